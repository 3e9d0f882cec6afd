import type { Configuration, Dictionary } from '@mikro-orm/core';
import { AbstractSqlDriver, SqlitePlatform } from '@mikro-orm/sql';
import { MikroORM as SqliteMikroORM, SqliteConnection } from '@mikro-orm/sqlite';

type Dialect = ReturnType<SqliteConnection['createKyselyDialect']>;
type KyselyDriver = ReturnType<Dialect['createDriver']>;

/** What SQLite answers a ROLLBACK when it has already rolled the transaction back itself. */
const NO_TRANSACTION = /no transaction is active/i;

/**
 * When a write inside a transaction fails because the disk is full (SQLITE_FULL, SQLITE_IOERR),
 * SQLite may roll the whole transaction back by itself. The ROLLBACK that MikroORM sends next
 * then fails, and Kysely gives its single SQLite connection back only after a rollback that
 * succeeded: every later query waited for it forever, even once space was free again (issue 9).
 * A rollback with no transaction left is therefore done already.
 */
function withEndingRollbacks(driver: KyselyDriver): KyselyDriver {
  const rollback = driver.rollbackTransaction.bind(driver);
  driver.rollbackTransaction = async (...args: Parameters<KyselyDriver['rollbackTransaction']>) => {
    try {
      await rollback(...args);
    } catch (error) {
      if (!(error instanceof Error && NO_TRANSACTION.test(error.message))) throw error;
    }
  };
  return driver;
}

/** MikroORM's better-sqlite3 connection, whose Kysely driver always ends a transaction. */
export class VaultSqliteConnection extends SqliteConnection {
  override createKyselyDialect(options: Dictionary): Dialect {
    const dialect = super.createKyselyDialect(options);
    const createDriver = dialect.createDriver.bind(dialect);
    dialect.createDriver = () => withEndingRollbacks(createDriver());
    return dialect;
  }
}

/** @mikro-orm/sqlite's driver with that connection: the config's `driver`. */
export class VaultSqliteDriver extends AbstractSqlDriver<VaultSqliteConnection> {
  constructor(config: Configuration) {
    super(config, new SqlitePlatform(), VaultSqliteConnection, ['kysely', 'better-sqlite3']);
  }

  override getORMClass() {
    return SqliteMikroORM;
  }
}
