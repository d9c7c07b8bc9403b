/**
 * The two orderings the detector keeps: a binary min-heap, and a queue for items that arrive almost in order
 * (a FIFO, with a heap for the few that arrive out of order), both by a strict "before" relation.
 */

export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.before(items[right]!, items[left]!) ? right : left;
      if (!this.before(items[child]!, last)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** Every item, in no particular order. */
  values(): Iterable<T> {
    return this.items;
  }
}

/** Ordered like a heap, at the cost of a FIFO while items come in order (timers, windows). */
export class NearlySorted<T> {
  private fifo: T[] = [];
  private head = 0;
  private readonly late: MinHeap<T>;

  constructor(private readonly before: (a: T, b: T) => boolean) {
    this.late = new MinHeap(before);
  }

  get size(): number {
    return this.fifo.length - this.head + this.late.size;
  }

  push(item: T): void {
    const tail = this.fifo[this.fifo.length - 1];
    if (this.head === this.fifo.length || tail === undefined || !this.before(item, tail))
      this.fifo.push(item);
    else this.late.push(item);
  }

  peek(): T | undefined {
    const a = this.head < this.fifo.length ? this.fifo[this.head] : undefined;
    const b = this.late.peek();
    if (a === undefined) return b;
    return b !== undefined && this.before(b, a) ? b : a;
  }

  pop(): T | undefined {
    const a = this.head < this.fifo.length ? this.fifo[this.head] : undefined;
    const b = this.late.peek();
    if (a === undefined || (b !== undefined && this.before(b, a))) return this.late.pop();
    this.fifo[this.head++] = undefined as T; // let the item go
    if (this.head === this.fifo.length) {
      this.fifo = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.fifo.length) {
      this.fifo = this.fifo.slice(this.head);
      this.head = 0;
    }
    return a;
  }
}
