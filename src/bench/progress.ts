/** One status line on stderr that rewrites itself on a terminal, and prints every few seconds otherwise. */
export class ProgressLine {
  private lastPrinted = 0;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly everyMsWhenPiped = 5000,
  ) {}

  update(text: string): void {
    if (this.stream.isTTY) {
      const width = this.stream.columns ?? 120;
      this.stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
      this.shown = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPrinted < this.everyMsWhenPiped) return;
    this.lastPrinted = now;
    this.stream.write(`${text}\n`);
  }

  /** Leaves the last text on its own line so logs and the table do not overwrite it. */
  done(): void {
    if (this.shown) this.stream.write('\n');
    this.shown = false;
  }
}

export function progressText(phase: string, line: Record<string, unknown>, target?: number): string {
  const num = (v: unknown): string => (typeof v === 'number' ? Math.round(v).toLocaleString('en-US') : '—');
  const produced = typeof line.produced === 'number' ? line.produced : 0;
  const of = target ? ` / ${num(target)} (${Math.floor((produced / target) * 100)}%)` : '';
  return (
    `${phase} ${String(line.phase ?? '')} ${num(line.elapsedS)} s: produced ${num(produced)}${of} at ${num(line.producedPerSec)}/s, ` +
    `persisted ${num(line.persisted)} at ${num(line.persistedPerSec)}/s, lag ${num(line.lag)}, ` +
    `p99 ${num(line.latencyP99Ms)} ms, RSS ${num(process.memoryUsage().rss / 1048576)} MB`
  );
}
