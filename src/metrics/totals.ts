/**
 * Engines publish running totals; Prometheus counters only go up. `Totals` turns a total read at each scrape into
 * the increase since the previous scrape, per key (a producer, the sink). A total that went down belongs to a new
 * incarnation of its engine (a producer removed and added again): it counts from zero again, so the counter
 * stays monotonic and loses nothing.
 */
export class Totals {
  private readonly last = new Map<string, number>();

  increase(key: string, total: number): number {
    const before = this.last.get(key) ?? 0;
    this.last.set(key, total);
    return total >= before ? total - before : total;
  }
}
