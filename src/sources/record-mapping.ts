/**
 * Declarative mapping from a user's record (a CSV row, an NDJSON line, an item of a JSON API) to a passage and,
 * when an amount is mapped, its payment. Shared by the file and HTTP sources. A record either maps completely
 * and passes the same validation the sink applies, or is rejected with a reason: never sent half-parsed.
 *
 * Plaza ids. Numeric values 1..65535 are used as they are. Anything else (the FASTag data says "A-101") is a plaza
 * code: `plazaMap` gives it an id when it names the code, and otherwise the plaza registry does (plaza-registry.ts):
 * the id the code was registered with on the plaza topic, in any earlier run and from any source, or a new free
 * id in 40000..65535 that the source publishes with the plaza's record. Two codes never share an id unless
 * plazaMap says so; a numeric value that names a code's id is rejected with a message asking for a plazaMap entry.
 */
import type { Passage, Payment, PaymentMethod, Plaza, TollEvent } from '../domain/types.ts';
import { PAYMENT_METHODS } from '../domain/types.ts';
import { validatePassageObject, validatePaymentObject } from '../domain/validate.ts';
import type { OptionBag } from './options.ts';
import { ALLOCATED_PLAZA_FIRST, PlazaRegistry } from './plaza-registry.ts';
import { isoUtc } from './iso-time.ts';
import { TimestampReader, type DateOrderDecision } from './timestamp-format.ts';
import { rejectCode, type RejectCode } from './rejects.ts';

/** The first id the plaza registry gives a new code (the slot its hash picks, when free). */
export const HASHED_PLAZA_BASE = ALLOCATED_PLAZA_FIRST;

export interface RecordMapping {
  plaza: string;
  vehicle: string;
  time: string;
  timeFormat: string;
  /** Day before month in timeFormat's year-last patterns that the data does not settle (timestamp-format.ts). */
  dayFirst?: boolean;
  type?: string;
  id?: string;
  lane?: string;
  axles?: string;
  amount?: string;
  /** The amount due (tariff) of each record, in the same unit as `amount`: the payment's dueCents. */
  due?: string;
  method?: string;
  /** Prefix of ids taken from the `id` field, keeping them apart from other sources' ids. */
  idPrefix: string;
  defaultType: string;
  defaultMethod: PaymentMethod;
  amountUnit: 'units' | 'cents';
  currency: string;
  typeMap: Record<string, string>;
  methodMap: Record<string, PaymentMethod>;
  plazaMap: Record<string, number>;
  /** Lanes of the plaza records this source publishes (its data names none). */
  lanes: number;
}

const normalizeType = (text: string): string => text.trim().toLowerCase().replace(/\s+/g, '-');
/** What the sink accepts as a vehicle type. */
const TYPE_TOKEN = /^[a-z][a-z0-9-]{0,15}$/;
const EVENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const PRINTABLE = /^[^\p{Cc}]{1,32}$/u;
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const MAX_AMOUNT_CENTS = 10_000_000;

/** A type token close to a value the data uses, to suggest in a typeMap entry: `Mini-Bus/Van` -> `mini-bus-van`. */
function typeSuggestion(text: string): string {
  const token = normalizeType(text)
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 16)
    .replace(/-+/g, '-')
    .replace(/-$/, '');
  return TYPE_TOKEN.test(token) ? token : 'other';
}

/** A record that does not map: the reason, and its code for per-reason counts (rejects.ts). */
export interface MappingReject {
  code: RejectCode;
  reason: string;
}

class RowError extends Error {
  constructor(
    readonly code: RejectCode,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the mapping keys of a file or HTTP spec. `plaza`, `vehicle` and `time` are required. */
export function parseRecordMapping(bag: OptionBag, defaultIdPrefix: string): RecordMapping {
  const required = (key: string): string => bag.string(key) ?? bag.fail(`the mapping needs ${key}=<field>`);
  const mapping: RecordMapping = {
    plaza: required('plaza'),
    vehicle: required('vehicle'),
    time: required('time'),
    timeFormat: bag.string('timeFormat', 'iso'),
    ...(bag.string('dayFirst') === undefined ? {} : { dayFirst: bag.bool('dayFirst', false) }),
    idPrefix: bag.string('idPrefix') ?? (bag.has('id') ? defaultIdPrefix : ''),
    defaultType: normalizeType(bag.string('defaultType', 'car')),
    defaultMethod: bag.oneOf('defaultMethod', PAYMENT_METHODS, 'e-tag'),
    amountUnit: bag.oneOf('amountUnit', ['units', 'cents'] as const, 'units'),
    currency: bag.string('currency', 'USD'),
    typeMap: {},
    methodMap: {},
    plazaMap: {},
    lanes: bag.int('lanes', 4, 1, 64),
  };
  for (const key of ['type', 'id', 'lane', 'axles', 'amount', 'due', 'method'] as const) {
    const v = bag.string(key);
    if (v !== undefined) mapping[key] = v;
  }
  if (!/^[A-Z]{3}$/.test(mapping.currency))
    bag.fail(`currency "${mapping.currency}" is not a 3-letter code like USD`);
  if (!TYPE_TOKEN.test(mapping.defaultType))
    bag.fail(`defaultType "${mapping.defaultType}" is not a vehicle type`);
  for (const [k, v] of Object.entries(bag.dict('typeMap') ?? {})) {
    const type = normalizeType(v);
    if (!TYPE_TOKEN.test(type)) bag.fail(`typeMap maps "${k}" to "${v}", which is not a vehicle type`);
    mapping.typeMap[normalizeType(k)] = type;
  }
  for (const [k, v] of Object.entries(bag.dict('methodMap') ?? {})) {
    if (!(PAYMENT_METHODS as readonly string[]).includes(v)) {
      bag.fail(`methodMap maps "${k}" to "${v}", expected one of ${PAYMENT_METHODS.join(', ')}`);
    }
    mapping.methodMap[k.trim().toLowerCase()] = v as PaymentMethod;
  }
  for (const [k, v] of Object.entries(bag.dict('plazaMap') ?? {})) {
    const id = Number(v);
    if (!Number.isInteger(id) || id < 1 || id > 65535)
      bag.fail(`plazaMap maps "${k}" to "${v}", expected an id in 1..65535`);
    mapping.plazaMap[k] = id;
  }
  try {
    new TimestampReader(mapping.timeFormat, 'UTC');
  } catch (e) {
    bag.fail((e as Error).message);
  }
  return mapping;
}

/** The fields a mapping reads, so a source can check them against a header before it starts. */
export function mappedFields(m: RecordMapping): string[] {
  return [m.plaza, m.vehicle, m.time, m.type, m.id, m.lane, m.axles, m.amount, m.due, m.method].filter(
    (f): f is string => f !== undefined,
  );
}

/** Raw text of a field of the current record; undefined when the record has no such field. */
export type FieldReader = (field: string) => string | undefined;

export class RecordMapper {
  private readonly time: TimestampReader;
  /** Plaza id to the text it came from, to publish plaza records and to catch hash collisions. */
  private readonly plazaNames = new Map<number, string>();
  /** Plazas whose record went out with an event (announcePlazas), or before the first one. */
  private readonly announced = new Set<number>();

  private readonly registry: PlazaRegistry;

  /**
   * `announcePlazas`: a source that cannot list its plazas up front (an API) attaches a plaza's record to the first
   * event that names it; `known` are the ids it announced before the first passage.
   * `registry`: the ids of plaza codes, shared by the sources of a process (SourceContext.plazaRegistry), loaded
   * before the first record is mapped. Without one, codes get ids from a registry of this mapper's own, which
   * knows no earlier run: for tests and tools that publish nothing.
   */
  constructor(
    private readonly mapping: RecordMapping,
    tz: string,
    private readonly source: string,
    private readonly plazaAnnouncing: {
      announcePlazas?: boolean;
      known?: readonly number[];
      registry?: PlazaRegistry | undefined;
    } = {},
  ) {
    this.time = new TimestampReader(
      mapping.timeFormat,
      tz,
      mapping.dayFirst === undefined ? {} : { dayFirst: mapping.dayFirst },
    );
    for (const id of plazaAnnouncing.known ?? []) this.announced.add(id);
    this.registry = plazaAnnouncing.registry ?? PlazaRegistry.inMemory();
    for (const [code, id] of Object.entries(mapping.plazaMap)) this.registry.pin(code, id);
  }

  /** A validated event, or the reason the record cannot become one (mapRecord gives the reason's code too). */
  map(get: FieldReader, fallbackId: string, now = Date.now()): TollEvent | string {
    const r = this.mapRecord(get, fallbackId, now);
    return 'passage' in r ? r : r.reason;
  }

  /** How a file's first pass settled the day/month order of timeFormat's patterns (timestamp-format.ts). */
  settleDates(decision: DateOrderDecision): void {
    this.time.settle(decision);
  }

  /**
   * A validated event, or why the record cannot become one. Each reason names the value, the column (or field)
   * and, where one exists, the option that fixes it; the sink's validation runs last as a guard.
   */
  mapRecord(get: FieldReader, fallbackId: string, now = Date.now()): TollEvent | MappingReject {
    const m = this.mapping;
    const where = this.source === 'file' ? 'column' : 'field';
    const field = (name: string): string | undefined => get(name)?.trim();
    const required = (code: RejectCode, what: string, name: string): string => {
      const v = field(name);
      if (v === undefined) throw new RowError(code, `${what}: the record has no ${where} "${name}"`);
      if (v === '') throw new RowError(code, `${what}: ${where} ${name} is empty`);
      return v;
    };
    try {
      const plazaId = this.plazaId(required('plaza', 'plaza', m.plaza));
      const vehicleId = required('vehicle', 'vehicle', m.vehicle);
      if (!PRINTABLE.test(vehicleId)) {
        throw new RowError(
          'vehicle',
          `vehicle "${vehicleId.slice(0, 40)}" in ${where} ${m.vehicle} is not 1-32 printable characters`,
        );
      }
      const timeText = required('time', 'time', m.time);
      const time = this.time.read(timeText, `time "${timeText}" in ${where} ${m.time}`);
      if (!time.ok) throw new RowError(time.code, time.reason);
      if (time.ms < EARLIEST_MS || time.ms > now + 86_400_000) {
        const when = time.ms < EARLIEST_MS ? 'before 2000-01-01' : 'more than a day in the future';
        throw new RowError('time', `time "${timeText}" in ${where} ${m.time} is ${isoUtc(time.ms)}, ${when}`);
      }
      const typeText = m.type === undefined ? '' : (field(m.type) ?? '');
      const type =
        typeText === '' ? m.defaultType : (m.typeMap[normalizeType(typeText)] ?? normalizeType(typeText));
      if (!TYPE_TOKEN.test(type)) {
        throw new RowError(
          'type',
          `vehicle type "${typeText}" in ${where} ${m.type} is not a lower-case token like "car"; ` +
            `map it with typeMap=${typeText}:${typeSuggestion(typeText)}`,
        );
      }
      const eventId = m.id === undefined ? fallbackId : `${m.idPrefix}${required('id', 'id', m.id)}`;
      if (!EVENT_ID.test(eventId)) {
        throw new RowError(
          'id',
          `id "${field(m.id!)}" in ${where} ${m.id} makes event id "${eventId}", which is not 1-64 characters of A-Z a-z 0-9 . _ : -`,
        );
      }
      const passage: Passage = {
        v: 1,
        eventId,
        plazaId,
        vehicleId,
        vehicleType: type,
        passedAt: isoUtc(time.ms),
        source: this.source,
      };
      for (const [key, max] of [
        ['lane', 64],
        ['axles', 12],
      ] as const) {
        const name = m[key];
        const text = name === undefined ? '' : (field(name) ?? '');
        if (text === '') continue;
        if (!/^\d{1,3}$/.test(text) || +text < 1 || +text > max) {
          throw new RowError(key, `${key} "${text}" in ${where} ${name} is not a whole number in 1..${max}`);
        }
        passage[key] = Number(text);
      }
      validatePassageObject({ ...passage }, now);
      const event: TollEvent = { passage };
      if (m.amount !== undefined) event.payment = this.payment(field, where, passage, now);
      if (this.plazaAnnouncing.announcePlazas && !this.announced.has(plazaId)) {
        this.announced.add(plazaId);
        event.plaza = this.plazaRecord(plazaId, this.plazaNames.get(plazaId)!);
      }
      return event;
    } catch (e) {
      const reason = (e as Error).message;
      return { code: e instanceof RowError ? e.code : rejectCode(reason), reason };
    }
  }

  /** One record per plaza id seen so far. */
  plazas(): Plaza[] {
    return [...this.plazaNames].sort(([a], [b]) => a - b).map(([id, text]) => this.plazaRecord(id, text));
  }

  private plazaRecord(plazaId: number, text: string): Plaza {
    return {
      v: 1,
      plazaId,
      code: text.slice(0, 32),
      name: `Plaza ${text}`.slice(0, 128),
      lanes: this.mapping.lanes,
    };
  }

  private plazaId(text: string): number {
    const mapped = this.mapping.plazaMap[text];
    const numeric = /^\d{1,5}$/.test(text) && +text >= 1 && +text <= 65535 ? +text : undefined;
    if (numeric !== undefined && mapped === undefined) this.registry.reserve(numeric);
    const id = mapped ?? numeric ?? this.registry.idFor(text);
    const taken = this.plazaNames.get(id);
    if (taken === undefined) this.plazaNames.set(id, text);
    else if (taken !== text && mapped === undefined) {
      throw new Error(
        `plaza "${text}" maps to id ${id}, already used by plaza "${taken}"; give it its own id with plazaMap`,
      );
    }
    return id;
  }

  private payment(
    field: (name: string) => string | undefined,
    where: string,
    passage: Passage,
    now: number,
  ): Payment {
    const m = this.mapping;
    const amountCents = this.cents(field, where, m.amount!);
    const dueCents = m.due === undefined ? undefined : this.cents(field, where, m.due);
    const methodRaw = m.method === undefined ? '' : (field(m.method) ?? '');
    const methodText = methodRaw.toLowerCase();
    const method =
      methodText === ''
        ? m.defaultMethod
        : (m.methodMap[methodText] ??
          ((PAYMENT_METHODS as readonly string[]).includes(methodText)
            ? (methodText as PaymentMethod)
            : undefined));
    if (!method)
      throw new RowError(
        'method',
        `payment method "${methodRaw}" in ${where} ${m.method} is not one of ${PAYMENT_METHODS.join(', ')}; ` +
          `map it with methodMap=${methodRaw}:<method>`,
      );
    const { eventId, plazaId, passedAt } = passage;
    const payment: Payment = {
      v: 1,
      paymentId: `pay-${eventId}`,
      eventId,
      plazaId,
      method,
      amountCents,
      currency: m.currency,
      paidAt: passedAt,
      ...(dueCents !== undefined ? { dueCents } : {}),
    };
    validatePaymentObject({ ...payment }, now);
    return payment;
  }

  /** An amount column in cents (amountUnit says whether the data counts units or cents). */
  private cents(field: (name: string) => string | undefined, where: string, column: string): number {
    const m = this.mapping;
    const raw = field(column) ?? '';
    const text = raw.replace(/,/g, '');
    if (!/^\d+(\.\d+)?$/.test(text))
      throw new RowError('amount', `amount "${raw}" in ${where} ${column} is not a number`);
    const cents = m.amountUnit === 'cents' ? Math.round(Number(text)) : Math.round(Number(text) * 100);
    if (cents > MAX_AMOUNT_CENTS) {
      throw new RowError(
        'amount',
        `amount "${raw}" in ${where} ${column} is above ${MAX_AMOUNT_CENTS / 100} (amountUnit=${m.amountUnit})`,
      );
    }
    return cents;
  }
}
