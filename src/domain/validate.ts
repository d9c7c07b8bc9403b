/**
 * Validation of incoming messages against the wire format of types.ts. Pure: used by the sink (to route bad
 * messages to the DLQ) and by sources (to report a bad input row instead of publishing it).
 */
import type { Passage, Payment, PaymentMethod, Plaza } from './types.ts';
import { PAYMENT_METHODS } from './types.ts';
import { isoToEpoch, readIso } from './iso.ts';

export const MAX_MESSAGE_BYTES = 64 * 1024;
const EARLIEST = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;
const EVENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const VEHICLE_TYPE = /^[a-z][a-z0-9-]{0,15}$/;
// Printable: no control characters; spaces inside are fine.
const PRINTABLE = /^[^\p{Cc}]{1,32}$/u;

/** Machine-readable reason codes, carried in the DLQ `error-code` header. */
export type InvalidCode =
  | 'too-large'
  | 'not-utf8'
  | 'not-json'
  | 'not-object'
  | 'missing-field'
  | 'bad-field'
  | 'out-of-range'
  | 'bad-legacy-line';

export class InvalidMessage extends Error {
  constructor(
    readonly code: InvalidCode,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidMessage';
  }
}

export type Validated<T> = { ok: true; value: T } | { ok: false; error: InvalidMessage };

const fail = (code: InvalidCode, message: string): never => {
  throw new InvalidMessage(code, message);
};

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes as strict UTF-8 JSON object, enforcing the size limit. */
export function decodeJsonObject(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    fail('too-large', `message is ${bytes.byteLength} bytes, limit is ${MAX_MESSAGE_BYTES}`);
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return fail('not-utf8', 'message is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail('not-json', `message is not JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return fail('not-object', 'message is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function req(obj: Record<string, unknown>, key: string): unknown {
  const v = obj[key];
  if (v === undefined || v === null) fail('missing-field', `missing required field "${key}"`);
  return v;
}

function int(
  obj: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  optional = false,
): number | undefined {
  const v = optional ? obj[key] : req(obj, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail('bad-field', `"${key}" must be an integer`);
  const n = v as number;
  if (n < min || n > max) fail('out-of-range', `"${key}" is ${n}, expected ${min}..${max}`);
  return n;
}

function str(obj: Record<string, unknown>, key: string, pattern: RegExp, expected: string): string {
  const v = req(obj, key);
  if (typeof v !== 'string') return fail('bad-field', `"${key}" must be a string`);
  if (!pattern.test(v)) fail('bad-field', `"${key}" must be ${expected}`);
  return v;
}

/** Parses an ISO 8601 timestamp with zone and checks it against the accepted window. Returns epoch ms. */
export function checkTimestamp(value: unknown, key: string, now = Date.now()): number {
  const read = typeof value === 'string' ? readIso(value, 'message') : undefined;
  if (read === undefined) return fail('bad-field', `"${key}" must be an ISO 8601 timestamp with zone`);
  if ('problem' in read) return fail('bad-field', `"${key}" is not a valid date: ${read.problem}`);
  const ms = isoToEpoch(read.fields);
  if (Number.isNaN(ms)) fail('bad-field', `"${key}" is not a valid date`);
  if (ms < EARLIEST) fail('out-of-range', `"${key}" is before 2000-01-01`);
  if (ms > now + DAY_MS) fail('out-of-range', `"${key}" is more than 1 day in the future`);
  return ms;
}

function version(obj: Record<string, unknown>): void {
  if (req(obj, 'v') !== 1) fail('bad-field', '"v" must be 1');
}

/** A validated passage, with its timestamp as epoch ms for the sink. */
export interface ValidPassage extends Passage {
  passedAtMs: number;
}

export function validatePassageObject(obj: Record<string, unknown>, now = Date.now()): ValidPassage {
  version(obj);
  const eventId = str(obj, 'eventId', EVENT_ID, '1-64 chars of [A-Za-z0-9._:-]');
  const plazaId = int(obj, 'plazaId', 1, 65535)!;
  const vehicleId = str(obj, 'vehicleId', PRINTABLE, '1-32 printable characters');
  const vehicleType = str(obj, 'vehicleType', VEHICLE_TYPE, 'a lower-case token like "car"');
  const passedAtMs = checkTimestamp(req(obj, 'passedAt'), 'passedAt', now);
  const lane = int(obj, 'lane', 1, 64, true);
  const axles = int(obj, 'axles', 1, 12, true);
  let source: string | undefined;
  if (obj.source !== undefined && obj.source !== null) {
    if (typeof obj.source !== 'string' || obj.source.length > 64) {
      fail('bad-field', '"source" must be a string of at most 64 characters');
    }
    source = obj.source as string;
  }
  const passage: ValidPassage = {
    v: 1,
    eventId,
    plazaId,
    vehicleId,
    vehicleType,
    passedAt: obj.passedAt as string,
    passedAtMs,
  };
  if (lane !== undefined) passage.lane = lane;
  if (axles !== undefined) passage.axles = axles;
  if (source !== undefined) passage.source = source;
  return passage;
}

export interface ValidPayment extends Payment {
  paidAtMs: number;
}

export function validatePaymentObject(obj: Record<string, unknown>, now = Date.now()): ValidPayment {
  version(obj);
  const paymentId = str(obj, 'paymentId', EVENT_ID, '1-64 chars of [A-Za-z0-9._:-]');
  const eventId = str(obj, 'eventId', EVENT_ID, '1-64 chars of [A-Za-z0-9._:-]');
  const plazaId = int(obj, 'plazaId', 1, 65535)!;
  const method = req(obj, 'method');
  if (typeof method !== 'string' || !(PAYMENT_METHODS as readonly string[]).includes(method)) {
    fail('bad-field', `"method" must be one of ${PAYMENT_METHODS.join(', ')}`);
  }
  const amountCents = int(obj, 'amountCents', 0, 10_000_000)!;
  const currency = str(obj, 'currency', /^[A-Z]{3}$/, 'a 3-letter currency code');
  const paidAtMs = checkTimestamp(req(obj, 'paidAt'), 'paidAt', now);
  const payment: ValidPayment = {
    v: 1,
    paymentId,
    eventId,
    plazaId,
    method: method as PaymentMethod,
    amountCents,
    currency,
    paidAt: obj.paidAt as string,
    paidAtMs,
  };
  if (obj.dueCents !== undefined && obj.dueCents !== null)
    payment.dueCents = int(obj, 'dueCents', 0, 10_000_000)!;
  return payment;
}

export function validatePlazaObject(obj: Record<string, unknown>): Plaza {
  version(obj);
  const plazaId = int(obj, 'plazaId', 1, 65535)!;
  const code = str(obj, 'code', /^[^\p{Cc}]{1,32}$/u, '1-32 printable characters');
  const name = str(obj, 'name', /^[^\p{Cc}]{1,128}$/u, '1-128 printable characters');
  const lanes = int(obj, 'lanes', 1, 64)!;
  const plaza: Plaza = { v: 1, plazaId, code, name, lanes };
  if (obj.tariffs !== undefined && obj.tariffs !== null) plaza.tariffs = tariffsOf(obj.tariffs);
  if (obj.currency !== undefined && obj.currency !== null)
    plaza.currency = str(obj, 'currency', /^[A-Z]{3}$/, 'a 3-letter currency code');
  if (obj.position !== undefined && obj.position !== null) plaza.position = positionOf(obj.position);
  return plaza;
}

function tariffsOf(value: unknown): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('bad-field', '"tariffs" must be an object of vehicle type to amount in cents');
  const out: Record<string, number> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 32) fail('out-of-range', '"tariffs" has more than 32 vehicle types');
  for (const [type, cents] of entries) {
    if (!VEHICLE_TYPE.test(type)) fail('bad-field', `"tariffs" key "${type}" is not a vehicle type`);
    if (typeof cents !== 'number' || !Number.isInteger(cents) || cents < 0 || cents > 10_000_000)
      fail('out-of-range', `"tariffs.${type}" must be an integer number of cents, 0..10000000`);
    out[type] = cents as number;
  }
  return out;
}

function positionOf(value: unknown): { lat: number; lon: number } {
  const p = value as { lat?: unknown; lon?: unknown };
  const ok = (v: unknown, limit: number): v is number =>
    typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit;
  if (typeof value !== 'object' || value === null || !ok(p.lat, 90) || !ok(p.lon, 180))
    fail('bad-field', '"position" must be { "lat": -90..90, "lon": -180..180 }');
  return { lat: p.lat as number, lon: p.lon as number };
}

/** Wraps a throwing validator into a result, so callers route failures without try/catch. */
export function attempt<T>(fn: () => T): Validated<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof InvalidMessage) return { ok: false, error: e };
    throw e;
  }
}
