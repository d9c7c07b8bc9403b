/**
 * How traffic varies over a day. The shape is real: mean vehicles per hour of day at the Queens Midtown Tunnel,
 * so simulated plazas are quiet at 3 am and busy at 8 am in the proportions a real crossing is.
 */

/**
 * Relative traffic per local hour 0..23, mean 1.0. Derived once from ../shared/data/mta/Queens_Midtown_Tunnel.csv
 * (MTA hourly counts, plaza 7 inbound, 2010-01-01..2017-01-09, 61,536 rows, 2,564 per hour of day): the mean
 * `Total` of each hour of day divided by the mean of those 24 means (1,767.65 vehicles/hour), rounded to 3 places.
 */
export const HOURLY_WEIGHTS: readonly number[] = [
  0.379, 0.194, 0.099, 0.088, 0.151, 0.485, 1.155, 1.566, 1.763, 1.672, 1.386, 1.341, 1.281, 1.238, 1.302,
  1.363, 1.406, 1.458, 1.382, 1.156, 0.944, 0.845, 0.749, 0.596,
];

/**
 * `daily` follows HOURLY_WEIGHTS, so a rate is the day's mean; `flat` weighs every hour 1, so a rate holds at any
 * hour (load tests, steady demos). The rush-hour scenario amplifies its hours on either curve.
 */
export const CURVES = ['daily', 'flat'] as const;
export type Curve = (typeof CURVES)[number];

/** Hours the rush-hour scenario amplifies: the morning and evening peaks of the curve above. */
export const RUSH_HOURS: readonly number[] = [7, 8, 9, 16, 17, 18];

/** Weight of a local hour, with the rush-hour multiplier applied to peak hours (1 = no scenario). */
export function hourWeight(hour: number, rushFactor = 1, curve: Curve = 'daily'): number {
  const w = curve === 'flat' ? 1 : (HOURLY_WEIGHTS[hour] ?? 1);
  return RUSH_HOURS.includes(hour) ? w * rushFactor : w;
}

/** Largest weight of the day, the ceiling a window's arrival count is planned against. */
export function peakWeight(rushFactor = 1, curve: Curve = 'daily'): number {
  return Math.max(...HOURLY_WEIGHTS.map((_, h) => hourWeight(h, rushFactor, curve)));
}

const hourFormatters = new Map<string, Intl.DateTimeFormat>();

/** Local time of day in `tz` at `ms`, and when the next local hour begins (zones with :30 offsets included). */
export function localHour(ms: number, tz: string): { hour: number; minute: number; nextHourMs: number } {
  if (tz === 'UTC' || tz === 'Etc/UTC') {
    const inDay = ((ms % 86_400_000) + 86_400_000) % 86_400_000;
    return {
      hour: Math.floor(inDay / 3_600_000),
      minute: Math.floor((inDay % 3_600_000) / 60_000),
      nextHourMs: ms - (inDay % 3_600_000) + 3_600_000,
    };
  }
  let f = hourFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    hourFormatters.set(tz, f);
  }
  const parts = f.formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const minute = get('minute');
  const intoHour = minute * 60_000 + get('second') * 1000 + (((ms % 1000) + 1000) % 1000);
  return { hour: get('hour') % 24, minute, nextHourMs: ms - intoHour + 3_600_000 };
}
