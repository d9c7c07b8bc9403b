/**
 * A snapshot store for engines: hot paths mutate plain state and call `touch()`; listeners receive a fresh
 * immutable snapshot at most once per `intervalMs`, and only when something changed. React reads it with
 * useSyncExternalStore (getSnapshot must return the same object until the next publish).
 */
export type Listener = () => void;

export interface ReadableStore<S> {
  subscribe(listener: Listener): () => void;
  getSnapshot(): S;
}

export class ThrottledStore<S> implements ReadableStore<S> {
  private snapshot: S;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly build: () => S,
    private readonly intervalMs = 150,
  ) {
    this.snapshot = build();
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): S => this.snapshot;

  /** Marks state as changed; a snapshot is published on the next tick of the throttle. */
  touch(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Publishes now if anything changed (used on stop so the final state is visible). */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.snapshot = this.build();
    for (const l of this.listeners) l();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
