/**
 * Fast UTC ISO 8601 formatting for generated passages. Date#toISOString costs ~2 µs on Node 20, which dominated
 * the simulator and the hourly expansion (~100M passages for the full MTA file). Consecutive passages share a
 * day, so the date part is cached and only the time of day is formatted. Output is identical to toISOString.
 */

const DAY_MS = 86_400_000;
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
let cachedDay = Number.NaN;
let cachedPrefix = '';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

export function isoUtc(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FOUR_DIGIT_YEAR_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  return `${cachedPrefix}${pad2(h)}:${pad2(m)}:${pad2(s)}.${pad3(rest - s * 1000)}Z`;
}
