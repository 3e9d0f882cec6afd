/**
 * The list the photo viewer steps through: the ids the gallery (or an album) last showed, in its
 * order, and the address to go back to. Kept across page changes, like the toasts.
 */
class ViewerSequence {
  ids = $state.raw<readonly string[]>([]);
  /** Where Escape and "Back" go: the gallery with its search, or the album. */
  back = $state('/');
  backLabel = $state('Back to gallery');

  set(ids: readonly string[], back: string, backLabel: string): void {
    this.ids = ids;
    this.back = back;
    this.backLabel = backLabel;
  }
}

export const viewerSequence = new ViewerSequence();
