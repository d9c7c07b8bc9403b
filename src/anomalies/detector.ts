/**
 * The anomaly detector's core, without I/O: it buffers passages and payments, and when the watermark passes them
 * judges them in event-time order (ties by id), interleaved with the decisions time makes: a passage still unpaid
 * at its deadline, a window's end, state no rule can use any more. The same inputs give the same findings whatever
 * the order and batching they arrive in, as long as none is late (older than the watermark on arrival: counted,
 * and judged first thing at the next advance against the state of that moment).
 *
 * The timeline, at equal times: windows ending at t close first (a window is [start, end)), then inputs at t, then
 * the deadlines at t (a payment at exactly passedAt + grace is in time). advance(w) runs it through w: window ends
 * and inputs at <= w, deadlines at < w, so a later input at w is not late and changes no decision taken.
 *
 * Restart: the engine persists, with the findings, each partition's next offset, replayFrom() and the watermark;
 * a detector built with that ResumePoint reads again from replayFrom. Inputs read again rebuild the state; what they
 * and the decisions through the old watermark find was found before and is not returned again.
 */
import { partitionKey } from '../kafka/partition-key.ts';
import type { AnomalySettings } from './settings.ts';
import type { Baseline, Finding, Origin, PassageIn, PaymentIn, Plaza, RuleName } from './types.ts';
import { RULES } from './types.ts';
import { MinHeap, NearlySorted } from './queue.ts';
import { hourOfWeek, judgeWindow, MINUTE_MS, windowStartOf } from './rules/surge.ts';
import { unpaidFinding } from './rules/unpaid.ts';
import { judgePayment } from './rules/short-payment.ts';
import { doubleChargeFinding, isDoubleCharge, passageBefore } from './rules/double-charge.ts';
import { greatCircleKm } from '../domain/geo.ts';
import { judgeTravel, travelHorizonMs } from './rules/impossible-travel.ts';

export { partitionKey };

/**
 * Where a detector left off, persisted in the transaction that commits its findings (with replayFrom()), to start
 * another from: that one reads each partition again from its replayFrom offset, or from its next offset when
 * replayFrom has none.
 */
export interface ResumePoint {
  /** The watermark the findings were committed at (`detector.watermarkMs`). */
  watermarkMs: number;
  /** Per input partition (partitionKey), the offset after the last input handed to the detector by then. */
  nextOffsets: ReadonlyMap<string, bigint>;
}

/**
 * The watermark: the least, over the input partitions that have data, of the latest event time read from each,
 * minus the allowed lateness. `undefined` for a partition that has data but none read yet: no watermark until it
 * has (else its first records would all be late).
 */
export function watermarkOf(
  latestByPartition: Iterable<number | undefined>,
  latenessSeconds: number,
): number | undefined {
  let least = Infinity;
  for (const t of latestByPartition) {
    if (t === undefined) return undefined;
    if (t < least) least = t;
  }
  return least === Infinity ? undefined : least - latenessSeconds * 1000;
}

export interface DetectorStats {
  /** How far the timeline has run (null before the first advance). */
  watermarkMs: number | null;
  /** Inputs waiting for the watermark. */
  buffered: number;
  /** Inputs that arrived older than the watermark, so far. */
  late: number;
  /** Late inputs waiting for the next advance (after a restart: for the state to be rebuilt first). */
  lateQueued: number;
  /** Passages and payments read twice (same event id, same payment id) while the first was still in state. */
  duplicates: number;
  /** Findings made again from inputs read again after a restart, not returned. */
  suppressed: number;
  processed: { passages: number; payments: number; plazas: number };
  state: {
    pendingPassages: number;
    orphanPayments: number;
    vehicles: number;
    vehiclePassages: number;
    openWindows: number;
    plazas: number;
  };
  findings: Record<RuleName, number>;
}

/**
 * A payment as the detector holds it: its fields (copied: the engine's message object can go) with where it was
 * read. Offsets are kept as numbers (exact below 2^53) to spare an object per input.
 */
interface Charge extends PaymentIn {
  kind: 1;
  key: string;
  offset: number;
  /** Read again after a restart (below the resume point's next offset). */
  reread: boolean;
  /** Joined to its passage (an orphan's deadline then finds nothing to do). */
  matched: boolean;
}

/** A passage, from its arrival on: buffered, waiting for its payment and/or among its vehicle's recent ones. */
interface Held extends PassageIn {
  kind: 0;
  key: string;
  offset: number;
  reread: boolean;
  /** Its payment, the first joined; `more` holds any further ones (rare, so no array for the usual one). */
  charge: Charge | undefined;
  more: Charge[] | undefined;
  doubleFlagged: boolean;
  travelFlagged: boolean;
}

type Buffered = Held | Charge;

interface WindowCount {
  count: number;
  /** Per partition, the least offset among the passages counted: the window depends on them until it closes. */
  from: Map<string, number>;
}

interface OpenWindow {
  start: number;
  plazas: Map<number, WindowCount>;
  /** The event ids counted: a passage read twice counts once, as its row in MySQL does. */
  counted: Set<string>;
}

const timeOf = (x: Buffered): number => (x.kind === 0 ? x.passedAtMs : x.paidAtMs);
const idOf = (x: Buffered): string => (x.kind === 0 ? x.eventId : x.paymentId);

/** Event time, then id, then passages before payments, then where they were read. */
function inputBefore(a: Buffered, b: Buffered): boolean {
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta !== tb) return ta < tb;
  const ia = idOf(a);
  const ib = idOf(b);
  if (ia !== ib) return ia < ib;
  if (a.kind !== b.kind) return a.kind < b.kind;
  return a.key !== b.key ? a.key < b.key : a.offset < b.offset;
}

const chargeBefore = (a: Charge, b: Charge): boolean =>
  a.paidAtMs < b.paidAtMs || (a.paidAtMs === b.paidAtMs && a.paymentId < b.paymentId);

/** A vehicle's recent passages in event-time order; most vehicles have one, held without an array. */
type Recent = Held | Held[];
const recentList = (r: Recent | undefined): readonly Held[] =>
  r === undefined ? [] : Array.isArray(r) ? r : [r];

export class Detector {
  private readonly on: Record<RuleName, boolean>;
  private readonly graceMs: number;
  private readonly windowMs: number;
  private readonly doubleWindowMs: number;
  /** A passage waits for its payment (and a payment for its passage) through the grace period. */
  private readonly pairing: boolean;
  private readonly windows: boolean;
  private readonly keepVehicles: boolean;
  private readonly resumeAt: number;
  private readonly resumeOffsets: ReadonlyMap<string, bigint>;

  private readonly plazas = new Map<number, Plaza>();
  private maxPlazaDistanceKm = 0;
  /** How long a passage stays among its vehicle's recent ones (grows with the farthest two plazas apart). */
  private retentionMs = 0;
  private readonly keys = new Map<string, string[]>();

  private readonly inputs = new MinHeap<Buffered>(inputBefore);
  private lateQueue: Buffered[] = [];
  private readonly pending = new Map<string, Held>();
  private readonly unpaidDeadlines = new NearlySorted<Held>(passageBefore);
  private readonly orphans = new Map<string, Charge[]>();
  private readonly orphanDeadlines = new NearlySorted<Charge>(chargeBefore);
  private orphanCount = 0;
  private readonly vehicles = new Map<string, Recent>();
  private readonly vehicleExpiry = new NearlySorted<Held>(passageBefore);
  private vehiclePassages = 0;
  private readonly open = new Map<number, OpenWindow>();
  private readonly windowEnds = new NearlySorted<OpenWindow>((a, b) => a.start < b.start);

  /** The timeline has run through here; inputs older than max(this, resumeAt) are late. */
  private processedThrough = -Infinity;
  /** Windows ending at or before this are decided (or had no passages). */
  private closedThrough: number;
  /** The item being processed was decided before a restart: what it finds is not returned again. */
  private quiet = false;
  private outbox: Finding[] = [];

  private counts = { passages: 0, payments: 0, plazas: 0, late: 0, duplicates: 0, suppressed: 0 };
  private readonly found = Object.fromEntries(RULES.map((r) => [r, 0])) as Record<RuleName, number>;

  constructor(
    private readonly settings: AnomalySettings,
    private readonly baseline: Baseline,
    options: { resume?: ResumePoint } = {},
  ) {
    const r = settings.rules;
    this.on = {
      surge: r.surge.enabled,
      drop: r.drop.enabled,
      unpaid: r.unpaid.enabled,
      'short-payment': r.shortPayment.enabled,
      'double-charge': r.doubleCharge.enabled,
      'impossible-travel': r.impossibleTravel.enabled,
    };
    this.graceMs = r.unpaid.graceSeconds * 1000;
    this.windowMs = r.surge.windowMinutes * MINUTE_MS;
    this.doubleWindowMs = r.doubleCharge.windowSeconds * 1000;
    this.pairing = this.on.unpaid || this.on['short-payment'] || this.on['double-charge'];
    this.windows = this.on.surge || this.on.drop;
    this.keepVehicles = this.on['double-charge'] || this.on['impossible-travel'];
    this.resumeAt = options.resume?.watermarkMs ?? -Infinity;
    this.resumeOffsets = options.resume?.nextOffsets ?? new Map();
    this.closedThrough = this.resumeAt;
    this.retentionMs = this.vehicleRetentionMs();
  }

  /** How far the timeline has run: persist it with the findings and offsets (ResumePoint.watermarkMs). */
  get watermarkMs(): number | undefined {
    return Number.isFinite(this.processedThrough) ? this.processedThrough : undefined;
  }

  /** Reference data, applied at once (not in event time): tariffs, currency, position. */
  plaza(p: Plaza): void {
    this.counts.plazas++;
    this.plazas.set(p.plazaId, p);
    if (!p.position) return;
    for (const other of this.plazas.values()) {
      if (other.position && other.plazaId !== p.plazaId) {
        this.maxPlazaDistanceKm = Math.max(
          this.maxPlazaDistanceKm,
          greatCircleKm(p.position, other.position),
        );
      }
    }
    this.retentionMs = this.vehicleRetentionMs();
  }

  passage(p: PassageIn, origin: Origin): void {
    const key = this.keyOf(origin);
    const held: Held = {
      kind: 0,
      eventId: p.eventId,
      plazaId: p.plazaId,
      vehicleId: p.vehicleId,
      vehicleType: p.vehicleType,
      passedAtMs: p.passedAtMs,
      key,
      offset: Number(origin.offset),
      reread: this.isReread(key, origin.offset),
      charge: undefined,
      more: undefined,
      doubleFlagged: false,
      travelFlagged: false,
    };
    this.buffer(held);
  }

  payment(p: PaymentIn, origin: Origin): void {
    const key = this.keyOf(origin);
    const charge: Charge = {
      kind: 1,
      paymentId: p.paymentId,
      eventId: p.eventId,
      plazaId: p.plazaId,
      method: p.method,
      amountCents: p.amountCents,
      currency: p.currency,
      paidAtMs: p.paidAtMs,
      ...(p.dueCents !== undefined ? { dueCents: p.dueCents } : {}),
      key,
      offset: Number(origin.offset),
      reread: this.isReread(key, origin.offset),
      matched: false,
    };
    this.buffer(charge);
  }

  /**
   * Runs the timeline through `watermarkMs` (a lower watermark than before changes nothing) and returns what it
   * found, with what the late inputs since the last call found first.
   */
  advance(watermarkMs: number): Finding[] {
    if (Number.isNaN(watermarkMs)) throw new RangeError('the watermark is not a number');
    const to = Math.max(watermarkMs, this.processedThrough);
    if (this.processedThrough < this.resumeAt) this.run(Math.min(to, this.resumeAt));
    if (this.processedThrough >= this.resumeAt && this.lateQueue.length > 0) {
      const late = this.lateQueue;
      this.lateQueue = [];
      for (const item of late) this.process(item);
    }
    this.run(to);
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  /**
   * Per input partition (partitionKey), the least offset of an input the state still depends on: buffered inputs,
   * passages waiting for a payment or kept for their vehicle (with their payments), payments waiting for their
   * passage, the passages counted in open windows. A partition without any is absent (resume at its next offset).
   */
  replayFrom(): Map<string, bigint> {
    const least = new Map<string, number>();
    const note = (key: string, offset: number): void => {
      const l = least.get(key);
      if (l === undefined || offset < l) least.set(key, offset);
    };
    const noteHeld = (h: Held): void => {
      note(h.key, h.offset);
      if (h.charge) note(h.charge.key, h.charge.offset);
      for (const c of h.more ?? []) note(c.key, c.offset);
    };
    for (const item of this.inputs.values()) note(item.key, item.offset);
    for (const item of this.lateQueue) note(item.key, item.offset);
    for (const h of this.pending.values()) noteHeld(h);
    for (const recent of this.vehicles.values()) for (const h of recentList(recent)) noteHeld(h);
    for (const list of this.orphans.values()) for (const c of list) note(c.key, c.offset);
    for (const w of this.open.values()) {
      for (const count of w.plazas.values()) for (const [key, offset] of count.from) note(key, offset);
    }
    return new Map([...least].map(([key, offset]) => [key, BigInt(offset)]));
  }

  stats(): DetectorStats {
    return {
      watermarkMs: this.watermarkMs ?? null,
      buffered: this.inputs.size,
      late: this.counts.late,
      lateQueued: this.lateQueue.length,
      duplicates: this.counts.duplicates,
      suppressed: this.counts.suppressed,
      processed: {
        passages: this.counts.passages,
        payments: this.counts.payments,
        plazas: this.counts.plazas,
      },
      state: {
        pendingPassages: this.pending.size,
        orphanPayments: this.orphanCount,
        vehicles: this.vehicles.size,
        vehiclePassages: this.vehiclePassages,
        openWindows: this.open.size,
        plazas: this.plazas.size,
      },
      findings: { ...this.found },
    };
  }

  // ---- arrival ----

  private keyOf(origin: Origin): string {
    let byPartition = this.keys.get(origin.topic);
    if (!byPartition) this.keys.set(origin.topic, (byPartition = []));
    return (byPartition[origin.partition] ??= partitionKey(origin.topic, origin.partition));
  }

  private isReread(key: string, offset: bigint): boolean {
    const next = this.resumeOffsets.get(key);
    return next !== undefined && offset < next;
  }

  private buffer(item: Buffered): void {
    if (!item.reread && timeOf(item) < Math.max(this.processedThrough, this.resumeAt)) {
      this.counts.late++;
      this.lateQueue.push(item);
    } else {
      this.inputs.push(item);
    }
  }

  // ---- the timeline ----

  private run(to: number): void {
    const resumeAt = this.resumeAt;
    for (;;) {
      // The earliest due decision: a window end (<= to) before deadlines (< to) at the same time.
      let lane = -1;
      let at = Infinity;
      const w = this.windowEnds.peek();
      if (w && w.start + this.windowMs <= to) {
        lane = 0;
        at = w.start + this.windowMs;
      }
      const unpaid = this.unpaidDeadlines.peek();
      if (unpaid && unpaid.passedAtMs + this.graceMs < Math.min(to, at)) {
        lane = 1;
        at = unpaid.passedAtMs + this.graceMs;
      }
      const orphan = this.orphanDeadlines.peek();
      if (orphan && orphan.paidAtMs + this.graceMs < Math.min(to, at)) {
        lane = 2;
        at = orphan.paidAtMs + this.graceMs;
      }
      const vehicle = this.vehicleExpiry.peek();
      if (vehicle && vehicle.passedAtMs + this.retentionMs < Math.min(to, at)) {
        lane = 3;
        at = vehicle.passedAtMs + this.retentionMs;
      }
      const input = this.inputs.peek();
      if (input) {
        const t = timeOf(input);
        if (t <= to && (t < at || (t === at && lane !== 0))) {
          this.inputs.pop();
          this.quiet = input.reread && t <= resumeAt;
          this.process(input);
          continue;
        }
      }
      switch (lane) {
        case 0:
          this.quiet = at <= resumeAt;
          this.closeWindow(this.windowEnds.pop()!);
          break;
        case 1:
          this.quiet = at < resumeAt;
          this.decideUnpaid(this.unpaidDeadlines.pop()!);
          break;
        case 2:
          this.quiet = at < resumeAt;
          this.expireOrphan(this.orphanDeadlines.pop()!);
          break;
        case 3:
          this.quiet = at < resumeAt;
          this.expireVehiclePassage(this.vehicleExpiry.pop()!);
          break;
        default:
          this.quiet = false;
          this.processedThrough = Math.max(this.processedThrough, to);
          this.closedThrough = Math.max(this.closedThrough, to);
          return;
      }
    }
  }

  private process(item: Buffered): void {
    if (item.kind === 0) this.onPassage(item);
    else this.onPayment(item);
  }

  private emit(finding: Finding): void {
    if (this.quiet) {
      this.counts.suppressed++;
      return;
    }
    this.found[finding.rule]++;
    this.outbox.push(finding);
  }

  /** While a double charge or a trip can still use a passage: its payment's grace + the window, or the longest trip. */
  private vehicleRetentionMs(): number {
    const r = this.settings.rules;
    return Math.max(
      this.on['double-charge'] ? this.doubleWindowMs + this.graceMs : 0,
      this.on['impossible-travel'] ? travelHorizonMs(this.maxPlazaDistanceKm, r.impossibleTravel.maxKmh) : 0,
    );
  }

  // ---- inputs ----

  private onPassage(held: Held): void {
    const id = held.eventId;
    // A passage read again while the state still holds it (in any rule's part) is left out whole.
    const window = this.windows ? this.windowFor(held.passedAtMs) : undefined;
    const recent = this.keepVehicles ? this.vehicles.get(held.vehicleId) : undefined;
    if (
      this.pending.has(id) ||
      window?.counted.has(id) ||
      (recent !== undefined && recentList(recent).some((h) => h.eventId === id))
    ) {
      this.counts.duplicates++;
      return;
    }
    this.counts.passages++;
    if (window) this.count(window, held);
    if (this.keepVehicles) this.addToVehicle(held, recent);
    if (!this.pairing) return;
    this.pending.set(id, held);
    this.unpaidDeadlines.push(held);
    const waiting = this.orphans.get(id);
    if (waiting) {
      this.orphans.delete(id);
      this.orphanCount -= waiting.length;
      for (const charge of waiting) {
        charge.matched = true;
        this.charge(held, charge);
      }
    }
  }

  private onPayment(charge: Charge): void {
    this.counts.payments++;
    if (!this.pairing) return;
    const held = this.pending.get(charge.eventId);
    if (held) {
      charge.matched = true;
      this.charge(held, charge);
      return;
    }
    let waiting = this.orphans.get(charge.eventId);
    if (waiting?.some((c) => c.paymentId === charge.paymentId)) {
      this.counts.duplicates++;
      return;
    }
    if (!waiting) this.orphans.set(charge.eventId, (waiting = []));
    waiting.push(charge);
    this.orphanCount++;
    this.orphanDeadlines.push(charge);
  }

  /** A payment joined to its passage: short payment, and double charge on the passage's first payment. */
  private charge(held: Held, charge: Charge): void {
    if (
      held.charge?.paymentId === charge.paymentId ||
      held.more?.some((c) => c.paymentId === charge.paymentId)
    ) {
      this.counts.duplicates++;
      return;
    }
    charge.eventId = held.eventId; // one copy of the string
    const first = held.charge === undefined;
    if (first) held.charge = charge;
    else (held.more ??= []).push(charge);
    if (this.on['short-payment']) {
      const plaza = this.plazas.get(held.plazaId);
      const finding = judgePayment(held, charge, plaza, this.settings.rules.shortPayment.toleranceCents);
      if (finding) this.emit(finding);
    }
    if (first && this.on['double-charge']) this.checkDoubleCharge(held);
  }

  /** `held` was just paid: pairs it makes with the vehicle's other paid passages at the plaza. */
  private checkDoubleCharge(held: Held): void {
    const windowSeconds = this.settings.rules.doubleCharge.windowSeconds;
    const charged = (h: Held) => ({ passage: h, payment: h.charge! });
    const mine = charged(held);
    let nearestEarlier: Held | undefined;
    const later: Held[] = [];
    for (const other of recentList(this.vehicles.get(held.vehicleId))) {
      if (other === held || other.charge === undefined) continue;
      if (!isDoubleCharge(mine, charged(other), windowSeconds)) continue;
      if (passageBefore(other, held)) {
        if (!nearestEarlier || passageBefore(nearestEarlier, other)) nearestEarlier = other;
      } else if (!other.doubleFlagged) {
        later.push(other);
      }
    }
    if (nearestEarlier && !held.doubleFlagged) {
      held.doubleFlagged = true;
      this.emit(doubleChargeFinding(mine, charged(nearestEarlier), windowSeconds));
    }
    for (const other of later) {
      other.doubleFlagged = true;
      this.emit(doubleChargeFinding(charged(other), mine, windowSeconds));
    }
  }

  private addToVehicle(held: Held, recent: Recent | undefined): void {
    this.vehiclePassages++;
    this.vehicleExpiry.push(held);
    if (recent === undefined) {
      this.vehicles.set(held.vehicleId, held);
      return;
    }
    const list = Array.isArray(recent) ? recent : [recent];
    if (list !== recent) this.vehicles.set(held.vehicleId, list);
    let i = list.length;
    while (i > 0 && passageBefore(held, list[i - 1]!)) i--;
    list.splice(i, 0, held);
    if (!this.on['impossible-travel']) return;
    // In order, the new passage is the last and judged against the one before; a late one also against the next.
    const before = list[i - 1];
    if (before) this.judgeTrip(before, held);
    const after = list[i + 1];
    if (after) this.judgeTrip(held, after);
  }

  private judgeTrip(earlier: Held, later: Held): void {
    if (later.travelFlagged) return;
    const finding = judgeTravel(
      earlier,
      later,
      this.plazas.get(earlier.plazaId),
      this.plazas.get(later.plazaId),
      this.settings.rules.impossibleTravel,
    );
    if (!finding) return;
    later.travelFlagged = true;
    this.emit(finding);
  }

  /** The open window a passage at `ms` counts in; undefined when that window has been judged already. */
  private windowFor(ms: number): OpenWindow | undefined {
    const start = windowStartOf(ms, this.windowMs);
    if (start + this.windowMs <= this.closedThrough) return undefined;
    let w = this.open.get(start);
    if (!w) {
      w = { start, plazas: new Map(), counted: new Set() };
      this.open.set(start, w);
      this.windowEnds.push(w);
    }
    return w;
  }

  private count(w: OpenWindow, held: Held): void {
    w.counted.add(held.eventId);
    let c = w.plazas.get(held.plazaId);
    if (!c) w.plazas.set(held.plazaId, (c = { count: 0, from: new Map() }));
    c.count++;
    const least = c.from.get(held.key);
    if (least === undefined || held.offset < least) c.from.set(held.key, held.offset);
  }

  // ---- decisions ----

  /**
   * Judges every plaza in a window that had passages anywhere: those with passages, and the plazas known from
   * reference data that had none (silent). A window in which no plaza had a passage is a gap in the stream, not
   * a drop at each plaza, and is not judged.
   */
  private closeWindow(w: OpenWindow): void {
    this.open.delete(w.start);
    const end = w.start + this.windowMs;
    this.closedThrough = Math.max(this.closedThrough, end);
    if (this.quiet) return;
    const plazaIds = new Set([...w.plazas.keys(), ...this.plazas.keys()]);
    const how = hourOfWeek(w.start);
    const thresholds = this.settings.rules.surge;
    const enabled = { surge: this.on.surge, drop: this.on.drop };
    for (const plazaId of [...plazaIds].sort((a, b) => a - b)) {
      const finding = judgeWindow(
        {
          plazaId,
          windowStartMs: w.start,
          observed: w.plazas.get(plazaId)?.count ?? 0,
          baselinePerMinute: this.baseline(plazaId, how, w.start),
        },
        thresholds,
        enabled,
      );
      if (finding) this.emit(finding);
    }
  }

  private decideUnpaid(held: Held): void {
    if (this.pending.get(held.eventId) === held) this.pending.delete(held.eventId);
    if (held.charge === undefined && this.on.unpaid) {
      this.emit(unpaidFinding(held, this.plazas.get(held.plazaId), this.settings.rules.unpaid.graceSeconds));
    }
  }

  private expireOrphan(charge: Charge): void {
    if (charge.matched) return;
    const waiting = this.orphans.get(charge.eventId);
    const i = waiting ? waiting.indexOf(charge) : -1;
    if (!waiting || i < 0) return;
    waiting.splice(i, 1);
    this.orphanCount--;
    if (waiting.length === 0) this.orphans.delete(charge.eventId);
  }

  private expireVehiclePassage(held: Held): void {
    const recent = this.vehicles.get(held.vehicleId);
    if (recent === held) {
      this.vehicles.delete(held.vehicleId);
    } else if (Array.isArray(recent)) {
      const i = recent[0] === held ? 0 : recent.indexOf(held);
      if (i < 0) return;
      recent.splice(i, 1);
      if (recent.length === 1) this.vehicles.set(held.vehicleId, recent[0]!);
    } else {
      return;
    }
    this.vehiclePassages--;
  }
}
