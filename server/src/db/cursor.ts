import { badInput } from '../errors.js';

/** A keyset position: the last row's (createdAt, id). Stable under inserts, no offsets. */
export interface TimeIdCursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** ±100 million days around 1970, as JavaScript dates allow. */
const MAX_TIME = 8.64e15;

export const encodeTimeIdCursor = (at: TimeIdCursor): string => Buffer.from(JSON.stringify([at.createdAt.getTime(), at.id])).toString('base64url');

/** The cursor a client sent back, or BAD_USER_INPUT on field `after` for anything this server did not make. */
export function decodeTimeIdCursor(text: string): TimeIdCursor {
  let value: unknown = null;
  if (text.length <= 200) {
    try {
      value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    } catch {
      value = null;
    }
  }
  const [time, id] = Array.isArray(value) && value.length === 2 ? (value as unknown[]) : [];
  const valid = typeof time === 'number' && Number.isSafeInteger(time) && Math.abs(time) <= MAX_TIME && typeof id === 'string' && UUID.test(id);
  if (!valid) throw badInput('Invalid pagination cursor.', 'after');
  return { createdAt: new Date(time), id };
}
