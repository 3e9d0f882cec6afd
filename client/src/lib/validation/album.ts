import { ALBUM_NAME_MAX } from '@lockframe/common';

/** What is wrong with an album name before it is sent (the server decides the rest), or null. */
export function albumNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'Give the album a name.';
  // Characters as people count them, as the server does, not UTF-16 units.
  if (Array.from(trimmed).length > ALBUM_NAME_MAX) return `Use at most ${ALBUM_NAME_MAX} characters.`;
  return null;
}
