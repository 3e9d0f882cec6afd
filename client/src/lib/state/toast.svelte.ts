/**
 * Messages for people, shown in one live region (components/Toasts.svelte) that outlives page
 * changes, so "Deleted …" is still there after going back to the gallery.
 */

export type ToastKind = 'success' | 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** One button beside the message, such as Undo; the toast goes once it is used. */
  action?: ToastAction;
}

export interface ToastAction {
  label: string;
  run: () => void;
}

const TIMEOUT_MS: Record<ToastKind, number> = { success: 7000, info: 7000, error: 12000 };
const MAX_TOASTS = 3;

class Toaster {
  items = $state<Toast[]>([]);
  #nextId = 1;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();
  #paused = false;

  show(message: string, kind: ToastKind = 'info', action?: ToastAction): number {
    // The same message again (a double click, a retry) restarts its timer instead of stacking.
    const same = this.items.find((t) => t.kind === kind && t.message === message);
    if (same) {
      this.#schedule(same);
      return same.id;
    }
    const toast: Toast = action ? { id: this.#nextId++, kind, message, action } : { id: this.#nextId++, kind, message };
    this.items = [...this.items, toast].slice(-MAX_TOASTS);
    for (const id of this.#timers.keys()) if (!this.items.some((t) => t.id === id)) this.#clearTimer(id);
    this.#schedule(toast);
    return toast.id;
  }

  success(message: string, action?: ToastAction): number {
    return this.show(message, 'success', action);
  }

  error(message: string): number {
    return this.show(message, 'error');
  }

  info(message: string): number {
    return this.show(message, 'info');
  }

  /** Runs a toast's action once and takes the toast away. */
  act(id: number): void {
    const toast = this.items.find((t) => t.id === id);
    this.dismiss(id);
    toast?.action?.run();
  }

  dismiss(id: number): void {
    this.#clearTimer(id);
    this.items = this.items.filter((t) => t.id !== id);
  }

  clear(): void {
    for (const id of [...this.#timers.keys()]) this.#clearTimer(id);
    this.items = [];
  }

  /** While the pointer or focus is on a message, nothing disappears (people read at their own pace). */
  pause(): void {
    this.#paused = true;
    for (const id of [...this.#timers.keys()]) this.#clearTimer(id);
  }

  resume(): void {
    this.#paused = false;
    for (const toast of this.items) this.#schedule(toast);
  }

  #schedule(toast: Toast): void {
    this.#clearTimer(toast.id);
    if (this.#paused) return;
    this.#timers.set(
      toast.id,
      setTimeout(() => this.dismiss(toast.id), TIMEOUT_MS[toast.kind]),
    );
  }

  #clearTimer(id: number): void {
    const timer = this.#timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(id);
  }
}

export const toasts = new Toaster();
