import { secondsUntil } from '../format.ts';

/**
 * Seconds left until a moment, ticking down on screen. Counts against the clock rather than
 * the number of ticks, so a background tab whose timers were slowed still shows the right time.
 * Call stop() when the component that shows it goes away.
 */
export class Countdown {
  remaining = $state(0);
  #deadline = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  get running(): boolean {
    return this.remaining > 0;
  }

  start(seconds: number): void {
    this.stop();
    this.#deadline = Date.now() + Math.max(0, seconds) * 1000;
    this.#tick();
    if (this.remaining > 0) this.#timer = setInterval(() => this.#tick(), 250);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.remaining = 0;
  }

  #tick(): void {
    const left = secondsUntil(this.#deadline, Date.now());
    if (left !== this.remaining) this.remaining = left;
    if (left === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
