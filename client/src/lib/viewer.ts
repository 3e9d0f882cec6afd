/**
 * The photo viewer's stepping: which photos come before and after one in the list it was opened
 * from, and which keys step. Pure, so the rules are tested without a browser.
 */

export interface Neighbours {
  previous: string | null;
  next: string | null;
}

/** The ids either side of `id` in `ids` (the gallery's order); none when it is not in the list. */
export function neighbours(ids: readonly string[], id: string): Neighbours {
  const at = ids.indexOf(id);
  if (at < 0) return { previous: null, next: null };
  return { previous: ids[at - 1] ?? null, next: ids[at + 1] ?? null };
}

export type ViewerAction = 'previous' | 'next' | 'back';

/** What a key press asks of the viewer, if anything; not while typing or choosing in a form control, nor with a modifier. */
export function viewerKeyAction(event: {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  defaultPrevented: boolean;
  target: EventTarget | null;
}): ViewerAction | null {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return null;
  if (isFormControl(event.target)) return null;
  if (event.key === 'ArrowLeft') return 'previous';
  if (event.key === 'ArrowRight') return 'next';
  if (event.key === 'Escape') return 'back';
  return null;
}

function isFormControl(target: EventTarget | null): boolean {
  const element = target as { tagName?: unknown; isContentEditable?: unknown } | null;
  if (!element || typeof element.tagName !== 'string') return false;
  return ['INPUT', 'SELECT', 'TEXTAREA'].includes(element.tagName.toUpperCase()) || element.isContentEditable === true;
}
