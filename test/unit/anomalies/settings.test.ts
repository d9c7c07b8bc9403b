import { describe, expect, it } from 'vitest';
import {
  ANOMALY_KEYS,
  AnomalySettingsError,
  DEFAULT_ANOMALY_SETTINGS,
  parseAnomalySettings,
  ruleEnabled,
} from '../../../src/anomalies/settings.ts';
import { RULES } from '../../../src/anomalies/types.ts';

const error = (raw: unknown): string => {
  try {
    parseAnomalySettings(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(AnomalySettingsError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};

describe('anomaly settings', () => {
  it('defaults to the documented values, every rule on', () => {
    expect(DEFAULT_ANOMALY_SETTINGS).toEqual({
      latenessSeconds: 30,
      rules: {
        surge: { enabled: true, windowMinutes: 15, factor: 2, minPassages: 30, baselineWeeks: 8 },
        drop: { enabled: true },
        unpaid: { enabled: true, graceSeconds: 900 },
        shortPayment: { enabled: true, toleranceCents: 0 },
        doubleCharge: { enabled: true, windowSeconds: 300 },
        impossibleTravel: { enabled: true, maxKmh: 200, minKm: 1 },
      },
    });
    expect(parseAnomalySettings(null)).toEqual(DEFAULT_ANOMALY_SETTINGS);
    for (const rule of RULES) expect(ruleEnabled(DEFAULT_ANOMALY_SETTINGS, rule)).toBe(true);
  });

  it('takes YAML values and the same as text (environment), and an empty section as the defaults', () => {
    const s = parseAnomalySettings({
      latenessSeconds: '0',
      rules: {
        surge: { windowMinutes: '30', factor: 1.5 },
        unpaid: null,
        shortPayment: { enabled: 'off', toleranceCents: 5 },
        impossibleTravel: { enabled: false, maxKmh: '160.5', minKm: 0 },
      },
    });
    expect(s.latenessSeconds).toBe(0);
    expect(s.rules.surge).toMatchObject({ windowMinutes: 30, factor: 1.5, minPassages: 30 });
    expect(s.rules.unpaid).toEqual({ enabled: true, graceSeconds: 900 });
    expect(s.rules.shortPayment).toEqual({ enabled: false, toleranceCents: 5 });
    expect(s.rules.impossibleTravel).toEqual({ enabled: false, maxKmh: 160.5, minKm: 0 });
    expect(ruleEnabled(s, 'short-payment')).toBe(false);
    expect(ruleEnabled(s, 'impossible-travel')).toBe(false);
  });

  it('names the key, the value given and the form expected', () => {
    expect(error({ rules: { unpaid: { graceSeconds: -5 } } })).toBe(
      'anomalies.rules.unpaid.graceSeconds must be a positive number of seconds, at most 604800 (7 days), got -5',
    );
    expect(error({ rules: { unpaid: { graceSeconds: 0 } } })).toMatch(
      /^anomalies.rules.unpaid.graceSeconds must be a positive/,
    );
    expect(error({ rules: { surge: { windowMinutes: 7 } } })).toBe(
      'anomalies.rules.surge.windowMinutes must be whole minutes that divide a day, such as 5, 10, 15, 30 or 60, got 7 (windows must tile a day)',
    );
    expect(error({ rules: { surge: { windowMinutes: 2.5 } } })).toMatch(
      /windowMinutes must be whole minutes/,
    );
    expect(error({ rules: { surge: { factor: 1 } } })).toBe(
      'anomalies.rules.surge.factor must be a number above 1 (at most 1000), got 1',
    );
    expect(error({ rules: { surge: { minPassages: 'many' } } })).toMatch(
      /^anomalies.rules.surge.minPassages must be a whole number of passages, 0..10000000, got "many"$/,
    );
    expect(error({ rules: { surge: { baselineWeeks: 53 } } })).toMatch(
      /baselineWeeks must be a whole number of weeks, 1..52, got 53/,
    );
    expect(error({ rules: { shortPayment: { toleranceCents: 0.5 } } })).toMatch(
      /toleranceCents must be a whole number of cents/,
    );
    expect(error({ rules: { doubleCharge: { windowSeconds: 86_401 } } })).toMatch(
      /windowSeconds must be a positive number of seconds, at most 86400/,
    );
    expect(error({ rules: { impossibleTravel: { maxKmh: 0 } } })).toMatch(/maxKmh must be a positive speed/);
    expect(error({ rules: { impossibleTravel: { minKm: -1 } } })).toMatch(
      /minKm must be a distance in km, 0..20000, got -1/,
    );
    expect(error({ latenessSeconds: '1e3' })).toMatch(
      /^anomalies.latenessSeconds must be a number of seconds, 0..86400, got "1e3"$/,
    );
    expect(error({ rules: { drop: { enabled: 'maybe' } } })).toBe(
      'anomalies.rules.drop.enabled must be true or false, got "maybe"',
    );
  });

  it('refuses unknown keys and sections that are not mappings, naming what is known', () => {
    expect(error({ rules: { unpaid: { grace: 5 } } })).toBe(
      'anomalies.rules.unpaid: unknown key "grace" (known keys: enabled, graceSeconds)',
    );
    expect(error({ rules: { 'short-payment': {} } })).toBe(
      'anomalies.rules: unknown key "short-payment" (known keys: surge, drop, unpaid, shortPayment, doubleCharge, impossibleTravel)',
    );
    expect(error({ lateness: 30 })).toBe(
      'anomalies: unknown key "lateness" (known keys: latenessSeconds, rules)',
    );
    expect(error({ rules: 5 })).toBe(
      'anomalies.rules must be a mapping of surge, drop, unpaid, shortPayment, doubleCharge, impossibleTravel, got 5',
    );
    expect(error('on')).toBe('anomalies must be a mapping of latenessSeconds, rules, got "on"');
  });

  it('reports every wrong key, one line each', () => {
    const lines = error({ rules: { unpaid: { graceSeconds: 0 }, surge: { factor: 0.5 } } }).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.startsWith('anomalies.rules.surge.factor'))).toBe(true);
    expect(lines.some((l) => l.startsWith('anomalies.rules.unpaid.graceSeconds'))).toBe(true);
  });

  it('lists every key with its environment variable and default, for the configuration', () => {
    expect(ANOMALY_KEYS.map((k) => k.key)).toContain('rules.impossibleTravel.minKm');
    expect(ANOMALY_KEYS.find((k) => k.key === 'rules.unpaid.graceSeconds')).toMatchObject({
      env: 'TOLLSTREAM_ANOMALIES_UNPAID_GRACE_SECONDS',
      default: 900,
    });
    expect(new Set(ANOMALY_KEYS.map((k) => k.env)).size).toBe(ANOMALY_KEYS.length);
    expect(ANOMALY_KEYS).toHaveLength(16);
  });
});
