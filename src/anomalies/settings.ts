/**
 * The detector's settings, config section `anomalies`: how late data may be, and per rule whether it runs and its
 * thresholds. One valibot schema in the form of the configuration's (src/config/schema.ts): each key carries where
 * else it can come from (an environment variable) and the form to name when its value is wrong, accepts a YAML
 * value or the same as text, and gives the AnomalySettings type. The configuration takes AnomaliesSection as its
 * `anomalies` key; parseAnomalySettings checks a section on its own and names the key that is wrong.
 */
import * as v from 'valibot';
import type { KeyMeta } from '../config/schema.ts';
import type { RuleName } from './types.ts';

const key = <S extends v.GenericSchema>(schema: S, meta: KeyMeta) => v.pipe(schema, v.metadata(meta));

/** A string or a YAML scalar, as text (values from the environment are text). */
const scalar = v.pipe(
  v.union([v.string(), v.number(), v.boolean()]),
  v.transform((x) => String(x).trim()),
);

const ON = ['true', '1', 'yes', 'on'];
const OFF = ['false', '0', 'no', 'off'];
const onOff = v.pipe(
  scalar,
  v.transform((s) => s.toLowerCase()),
  v.picklist([...ON, ...OFF]),
  v.transform((s) => ON.includes(s)),
);

/** A decimal number without sign or exponent, within [min, max] (min excluded when `above`). */
const decimal = (min: number, max: number, above = false) =>
  v.pipe(
    scalar,
    v.regex(/^\d+(\.\d+)?$/),
    v.transform(Number),
    v.check((n) => (above ? n > min : n >= min) && n <= max),
  );

const whole = (min: number, max: number) =>
  v.pipe(scalar, v.regex(/^\d+$/), v.transform(Number), v.minValue(min), v.maxValue(max));

const DAY_S = 86_400;
const MINUTES_PER_DAY = 1440;

const enabled = (rule: string) =>
  v.optional(key(onOff, { env: `TOLLSTREAM_ANOMALIES_${rule}_ENABLED`, expected: 'true or false' }), true);

/** env: TOLLSTREAM_ANOMALIES_<RULE>_<NAME>. */
const env = (rule: string, name: string): string => `TOLLSTREAM_ANOMALIES_${rule}_${name}`;

export const AnomaliesSection = v.strictObject({
  /** How far behind the slowest input partition event time may lag before an input counts as late. */
  latenessSeconds: v.optional(
    key(decimal(0, DAY_S), {
      env: 'TOLLSTREAM_ANOMALIES_LATENESS_SECONDS',
      expected: `a number of seconds, 0..${DAY_S}`,
    }),
    30,
  ),
  rules: v.optional(
    v.strictObject({
      /** Tumbling windows per plaza against the baseline; the drop rule shares these settings. */
      surge: v.optional(
        v.strictObject({
          enabled: enabled('SURGE'),
          windowMinutes: v.optional(
            key(
              v.pipe(
                whole(1, MINUTES_PER_DAY),
                v.check((n) => MINUTES_PER_DAY % n === 0, 'windows must tile a day'),
              ),
              {
                env: env('SURGE', 'WINDOW_MINUTES'),
                expected: 'whole minutes that divide a day, such as 5, 10, 15, 30 or 60',
              },
            ),
            15,
          ),
          factor: v.optional(
            key(decimal(1, 1000, true), {
              env: env('SURGE', 'FACTOR'),
              expected: 'a number above 1 (at most 1000)',
            }),
            2,
          ),
          minPassages: v.optional(
            key(whole(0, 10_000_000), {
              env: env('SURGE', 'MIN_PASSAGES'),
              expected: 'a whole number of passages, 0..10000000',
            }),
            30,
          ),
          baselineWeeks: v.optional(
            key(whole(1, 52), {
              env: env('SURGE', 'BASELINE_WEEKS'),
              expected: 'a whole number of weeks, 1..52',
            }),
            8,
          ),
        }),
        {},
      ),
      drop: v.optional(v.strictObject({ enabled: enabled('DROP') }), {}),
      unpaid: v.optional(
        v.strictObject({
          enabled: enabled('UNPAID'),
          /** Also how long a passage and its payment wait for each other (short payment, double charge). */
          graceSeconds: v.optional(
            key(decimal(0, 7 * DAY_S, true), {
              env: env('UNPAID', 'GRACE_SECONDS'),
              expected: `a positive number of seconds, at most ${7 * DAY_S} (7 days)`,
            }),
            900,
          ),
        }),
        {},
      ),
      shortPayment: v.optional(
        v.strictObject({
          enabled: enabled('SHORT_PAYMENT'),
          toleranceCents: v.optional(
            key(whole(0, 10_000_000), {
              env: env('SHORT_PAYMENT', 'TOLERANCE_CENTS'),
              expected: 'a whole number of cents, 0..10000000',
            }),
            0,
          ),
        }),
        {},
      ),
      doubleCharge: v.optional(
        v.strictObject({
          enabled: enabled('DOUBLE_CHARGE'),
          windowSeconds: v.optional(
            key(decimal(0, DAY_S, true), {
              env: env('DOUBLE_CHARGE', 'WINDOW_SECONDS'),
              expected: `a positive number of seconds, at most ${DAY_S}`,
            }),
            300,
          ),
        }),
        {},
      ),
      impossibleTravel: v.optional(
        v.strictObject({
          enabled: enabled('IMPOSSIBLE_TRAVEL'),
          maxKmh: v.optional(
            key(decimal(0, 10_000, true), {
              env: env('IMPOSSIBLE_TRAVEL', 'MAX_KMH'),
              expected: 'a positive speed in km/h, at most 10000',
            }),
            200,
          ),
          minKm: v.optional(
            key(decimal(0, 20_000), {
              env: env('IMPOSSIBLE_TRAVEL', 'MIN_KM'),
              expected: 'a distance in km, 0..20000',
            }),
            1,
          ),
        }),
        {},
      ),
    }),
    {},
  ),
});

export type AnomalySettings = v.InferOutput<typeof AnomaliesSection>;
export type RuleSettings = AnomalySettings['rules'];

/** The settings key of each rule (drop shares surge's thresholds and has only `enabled`). */
export const RULE_SETTINGS_KEY = {
  surge: 'surge',
  drop: 'drop',
  unpaid: 'unpaid',
  'short-payment': 'shortPayment',
  'double-charge': 'doubleCharge',
  'impossible-travel': 'impossibleTravel',
} as const satisfies Record<RuleName, keyof RuleSettings>;

export const ruleEnabled = (settings: AnomalySettings, rule: RuleName): boolean =>
  settings.rules[RULE_SETTINGS_KEY[rule]].enabled;

/** One key of the section: its dotted path under `anomalies`, where else it can come from, its default, its form. */
export type AnomalyKey = KeyMeta & { key: string; default: unknown };

/** Every key of the section in schema order, from its metadata. */
export const ANOMALY_KEYS: readonly AnomalyKey[] = (() => {
  const out: AnomalyKey[] = [];
  const walk = (schema: v.GenericSchema, path: string, fallback: unknown): void => {
    if (schema.type === 'optional' && 'wrapped' in schema) {
      walk(schema.wrapped as v.GenericSchema, path, 'default' in schema ? schema.default : undefined);
    } else if ('entries' in schema) {
      for (const [name, entry] of Object.entries(schema.entries as Record<string, v.GenericSchema>)) {
        walk(entry, path ? `${path}.${name}` : name, undefined);
      }
    } else {
      out.push({ key: path, ...(v.getMetadata(schema) as KeyMeta), default: fallback });
    }
  };
  walk(AnomaliesSection, '', undefined);
  return out;
})();

export class AnomalySettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnomalySettingsError';
  }
}

const isMapping = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === 'object' && !Array.isArray(x);

/** YAML reads `unpaid:` left empty as null: it means the defaults, as everywhere in the configuration. */
function withoutNulls(x: unknown): unknown {
  if (!isMapping(x)) return x;
  return Object.fromEntries(
    Object.entries(x)
      .filter(([, value]) => value !== null)
      .map(([k, value]) => [k, withoutNulls(value)]),
  );
}

/** The first reason a check gave, looking into the alternatives of a union. */
function reason(issue: v.BaseIssue<unknown>): string {
  if (issue.message) return issue.message;
  for (const sub of issue.issues ?? []) {
    const r = reason(sub);
    if (r) return r;
  }
  return '';
}

/** The names directly inside a section (`rules` -> surge, drop, ...); '' is the section itself. */
function namesIn(section: string): string[] {
  const prefix = section ? `${section}.` : '';
  const inside = ANOMALY_KEYS.filter((k) => k.key.startsWith(prefix));
  return [...new Set(inside.map((k) => k.key.slice(prefix.length).split('.')[0]!))];
}

function valueAt(input: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (isMapping(o) ? o[k] : undefined), input);
}

function describe(issue: v.BaseIssue<unknown>, input: unknown): string {
  const dotted = v.getDotPath(issue) ?? '';
  const name = (path: string): string => (path ? `anomalies.${path}` : 'anomalies');
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    const parent = dotted.includes('.') ? dotted.slice(0, dotted.lastIndexOf('.')) : '';
    const unknown = dotted.slice(parent ? parent.length + 1 : 0);
    return `${name(parent)}: unknown key "${unknown}" (known keys: ${namesIn(parent).join(', ')})`;
  }
  const given = JSON.stringify(dotted ? valueAt(input, dotted) : input);
  const def = ANOMALY_KEYS.find((k) => k.key === dotted);
  if (def) {
    const why = reason(issue);
    return `${name(dotted)} must be ${def.expected}, got ${given}${why ? ` (${why})` : ''}`;
  }
  return `${name(dotted)} must be a mapping of ${namesIn(dotted).join(', ')}, got ${given}`;
}

/**
 * The `anomalies` section checked on its own (undefined or null: all defaults). Throws AnomalySettingsError with
 * one line per wrong key, e.g. `anomalies.rules.unpaid.graceSeconds must be a positive number of seconds ...`.
 */
export function parseAnomalySettings(raw: unknown): AnomalySettings {
  const input = withoutNulls(raw ?? {});
  const result = v.safeParse(AnomaliesSection, input, { abortPipeEarly: true, message: '' });
  if (!result.success)
    throw new AnomalySettingsError(result.issues.map((issue) => describe(issue, input)).join('\n'));
  return result.output;
}

export const DEFAULT_ANOMALY_SETTINGS: AnomalySettings = parseAnomalySettings(undefined);
