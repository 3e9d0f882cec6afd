import { AppError } from '../errors.js';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', 'ER_RECORD_FILE_FULL', 'ER_DISK_FULL', 'ER_OUT_OF_RESOURCES']);
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** The error codes along an error and its causes (drivers wrap each other's errors). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const { code, errno, cause } = current as { code?: unknown; errno?: unknown; cause?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (typeof errno === 'number' && (errno === 1114 || errno === 1021)) codes.push('ER_RECORD_FILE_FULL');
    current = cause;
  }
  return codes;
}

/**
 * An infrastructure failure as the user should hear it: a full disk is STORAGE_FULL (507, nothing
 * was saved), a database or blob store that can't be reached or is busy is SERVICE_UNAVAILABLE
 * (503, retry soon). Anything else is null: a bug, answered as INTERNAL_SERVER_ERROR. Either way the operator
 * finds the real error in the log.
 */
export function infrastructureError(error: unknown): AppError | null {
  const codes = codesOf(error);
  if (codes.some((c) => FULL.has(c) || c.startsWith('SQLITE_IOERR'))) {
    return new AppError('STORAGE_FULL', "The server's storage is full, so nothing was saved. Reading your photos still works; try again later.", {
      retryAfterSeconds: 60,
    });
  }
  if (codes.includes('STORAGE_UNAVAILABLE')) {
    return new AppError('SERVICE_UNAVAILABLE', 'The server cannot reach its photo storage right now. Please retry in a few seconds.', {
      retryAfterSeconds: 5,
    });
  }
  const name = (error as { name?: unknown } | null)?.name;
  if (codes.some((c) => UNAVAILABLE.has(c)) || name === 'ConnectionException') {
    return new AppError('SERVICE_UNAVAILABLE', 'The server cannot reach its database right now. Please retry in a few seconds.', {
      retryAfterSeconds: 5,
    });
  }
  return null;
}
