/**
 * One clock for the monitor's data frames. The engines publish their snapshots independently (each at most every
 * ~150 ms), so at full speed four stores out of phase asked Ink for a frame several times as often as any one of
 * them changed, and each 80×24 frame costs the main thread ~9 ms that the sink needs. Stores paced by a FrameClock
 * notify their listeners together, at most once per `intervalMs`: a change after a quiet spell (a key's effect, a
 * producer started) is shown at once, changes that follow it wait for the next frame. Keys and local UI state
 * re-render as before; getSnapshot always returns the newest snapshot, so every frame is coherent.
 */
import type { Listener, ReadableStore } from '../util/store.ts';

export class FrameClock {
  private readonly due = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private lastFrame = 0;

  constructor(readonly intervalMs: number) {}

  /** The store as the UI sees it: the same snapshots, notifications on this clock. */
  pace<S>(store: ReadableStore<S>): ReadableStore<S> {
    return {
      getSnapshot: () => store.getSnapshot(),
      subscribe: (listener) => {
        const off = store.subscribe(() => this.mark(listener));
        return () => {
          off();
          this.due.delete(listener);
        };
      },
    };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.due.clear();
  }

  private mark(listener: Listener): void {
    this.due.add(listener);
    if (this.timer) return;
    const wait = this.lastFrame + this.intervalMs - Date.now();
    if (wait <= 0) return this.frame();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.frame();
    }, wait);
    this.timer.unref();
  }

  private frame(): void {
    this.lastFrame = Date.now();
    const due = [...this.due];
    this.due.clear();
    for (const l of due) l();
  }
}
