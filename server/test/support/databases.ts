import { MYSQL_BASE_URL, mysqlVersion } from './mysql.js';

export { createMysqlDatabase, MYSQL_BASE_URL } from './mysql.js';

/**
 * Databases the integration specs run on. SQLite always; MariaDB/MySQL when reachable at
 * TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306). Under CI=true a missing MySQL fails.
 */
export type DbKind = 'sqlite' | 'mysql';

let mysqlAvailable: boolean | undefined;

export async function isMysqlAvailable(): Promise<boolean> {
  if (mysqlAvailable !== undefined) return mysqlAvailable;
  try {
    await mysqlVersion();
    mysqlAvailable = true;
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(`MySQL/MariaDB is required under CI but ${MYSQL_BASE_URL} is unreachable: ${String(error)}`);
    }
    console.warn(`[lockframe tests] SKIPPING the MySQL runs: ${MYSQL_BASE_URL} is unreachable (${String(error)}).`);
    mysqlAvailable = false;
  }
  return mysqlAvailable;
}

/** The kinds to run a spec on; evaluated at collection time. */
export const databases: DbKind[] = ['sqlite', ...((await isMysqlAvailable()) ? (['mysql'] as const) : [])];
