import Database from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';

/**
 * Kysely's better-sqlite3 driver, with one change to how a transaction ends.
 *
 * When a write inside a transaction fails because the disk is full (SQLITE_FULL, SQLITE_IOERR),
 * SQLite may roll the whole transaction back by itself. The ROLLBACK that MikroORM sends next
 * then fails ("no transaction is active"), and Kysely gives its single SQLite connection back
 * only after a rollback that succeeded: every later query waited for it forever, even once space
 * was free again (issue 9). A rollback with no transaction left is therefore done already.
 */
class SqliteDriverThatAlwaysEnds extends SqliteDriver {
  constructor(private readonly database: Database.Database) {
    super({ database });
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.database.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

/** The SQLite file as MikroORM's `driverOptions` dialect: a fresh connection each time MikroORM connects. */
export class VaultSqliteDialect extends SqliteDialect {
  private readonly database: Database.Database;

  constructor(file: string) {
    const database = new Database(file);
    super({ database });
    this.database = database;
  }

  override createDriver(): Driver {
    return new SqliteDriverThatAlwaysEnds(this.database);
  }
}
