/** The passages a run may still produce (`--events N`), shared by all producers of an engine. */
export class Budget {
  private left: number;

  constructor(limit?: number) {
    this.left = limit === undefined ? Infinity : Math.max(0, limit);
  }

  /** Grants up to `wanted` passages. */
  take(wanted: number): number {
    const granted = Math.min(wanted, this.left);
    this.left -= granted;
    return granted;
  }

  get exhausted(): boolean {
    return this.left <= 0;
  }
}
