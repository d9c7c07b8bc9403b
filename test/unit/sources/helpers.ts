/** Test helpers for sources: drain a source, check every event against the wire contract. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { validatePassageObject, validatePaymentObject } from '../../../src/domain/validate.ts';
import type { TollEvent } from '../../../src/domain/types.ts';
import type { SourceContext, TollSource } from '../../../src/sources/source.ts';

/** The third-party data files live in ../shared/data beside the repository (read at test time, never copied). */
const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const TOLLDATA_DIR = path.join(SHARED_DATA, 'tolldata');
export const MTA_FILE = path.join(SHARED_DATA, 'mta/Queens_Midtown_Tunnel.csv');
export const FASTAG_FILE = path.join(SHARED_DATA, 'fastag/FastagFraudDetection.csv');

export function context(overrides: Partial<SourceContext> = {}): SourceContext {
  return { tz: 'UTC', pace: { kind: 'speed', factor: 'max' }, stateDir: '/nonexistent', ...overrides };
}

/** Collects batches until the source ends, `maxEvents` are reached (then stops it) or `signal` aborts. */
export async function drain(
  source: TollSource,
  { maxEvents = Infinity, signal }: { maxEvents?: number; signal?: AbortSignal } = {},
): Promise<{ events: TollEvent[]; batches: number[] }> {
  const events: TollEvent[] = [];
  const batches: number[] = [];
  const controller = new AbortController();
  const stop = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
  for await (const batch of source.events(stop)) {
    batches.push(batch.length);
    events.push(...batch);
    if (events.length >= maxEvents) {
      controller.abort();
      break;
    }
  }
  return { events, batches };
}

/** Every passage and payment must pass the validators the sink uses, and belong together. */
export function expectAllValid(events: readonly TollEvent[], now = Date.now()): void {
  let bad = 0;
  let first = '';
  for (const e of events) {
    try {
      validatePassageObject({ ...e.passage }, now);
      if (e.payment) {
        validatePaymentObject({ ...e.payment }, now);
        if (e.payment.eventId !== e.passage.eventId || e.payment.plazaId !== e.passage.plazaId) {
          throw new Error(`payment ${e.payment.paymentId} does not belong to ${e.passage.eventId}`);
        }
      }
    } catch (err) {
      bad++;
      first ||= `${JSON.stringify(e)}: ${(err as Error).message}`;
    }
  }
  expect(first).toBe('');
  expect(bad).toBe(0);
}

export function expectTimeOrdered(events: readonly TollEvent[]): void {
  let disorder = 0;
  for (let i = 1; i < events.length; i++) {
    if (Date.parse(events[i]!.passage.passedAt) < Date.parse(events[i - 1]!.passage.passedAt)) disorder++;
  }
  expect(disorder).toBe(0);
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}
