/**
 * Source options arrive two ways: as a URL-ish suffix of the `--source` spec (`file:x.csv#plaza=Booth&time=At`)
 * or as a mapping object from the config file. Both end up in one OptionBag so each source reads typed values
 * once and a typo in a key is reported instead of silently ignored.
 */

/** A bad `--source` spec or option. The CLI maps it to exit code 2; the message names the spec and the form. */
export class SourceSpecError extends Error {
  constructor(
    readonly spec: string,
    reason: string,
    readonly expected: string,
  ) {
    super(`bad source "${spec}": ${reason}; expected ${expected}`);
    this.name = 'SourceSpecError';
  }
}

export type RawOptions = Record<string, unknown>;

/**
 * Parses `a=1&b=two words&c=x|y`. Not URLSearchParams: it would turn `+` into a space and reject the `|`, `:`
 * and spaces that timestamp formats need. Values may still be percent-encoded (`%26` for a literal `&`).
 */
export function parseOptionString(text: string): RawOptions {
  const out: RawOptions = {};
  for (const part of text.split('&')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const raw = eq < 0 ? 'true' : part.slice(eq + 1);
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // A stray % is far more likely literal text than a broken escape.
    }
    out[key] = value;
  }
  return out;
}

export class OptionBag {
  private readonly used = new Set<string>();

  constructor(
    private readonly values: RawOptions,
    private readonly spec: string,
    private readonly expected: string,
  ) {}

  fail(reason: string): never {
    throw new SourceSpecError(this.spec, reason, this.expected);
  }

  has(key: string): boolean {
    return this.values[key] !== undefined && this.values[key] !== '';
  }

  raw(key: string): unknown {
    this.used.add(key);
    return this.values[key];
  }

  string(key: string): string | undefined;
  string(key: string, fallback: string): string;
  string(key: string, fallback?: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(`option "${key}" must be a string`);
  }

  number(key: string, fallback: number, min = -Infinity, max = Infinity): number {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n) || n < min || n > max) {
      this.fail(`option "${key}" is "${String(v)}", expected a number in ${min}..${max}`);
    }
    return n;
  }

  int(key: string, fallback: number, min = -Infinity, max = Infinity): number {
    const n = this.number(key, fallback, min, max);
    if (!Number.isInteger(n)) this.fail(`option "${key}" must be an integer`);
    return n;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|1|yes|on)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(false|0|no|off)$/i.test(v)) return false;
    return this.fail(`option "${key}" must be true or false`);
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.string(key);
    if (v === undefined) return fallback;
    if (!(values as readonly string[]).includes(v)) {
      this.fail(`option "${key}" is "${v}", expected one of ${values.join(', ')}`);
    }
    return v as T;
  }

  /**
   * A small dictionary, either an object from the config file or `k1:v1,k2:v2` from a spec. Keys keep their
   * spelling; both sides are trimmed.
   */
  dict(key: string): Record<string, string> | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.trim(), String(x).trim()]));
    }
    if (typeof v !== 'string') return this.fail(`option "${key}" must be k:v,k:v or a mapping`);
    const out: Record<string, string> = {};
    for (const pair of v.split(',')) {
      if (pair.trim() === '') continue;
      const colon = pair.lastIndexOf(':');
      if (colon <= 0) this.fail(`option "${key}" has "${pair}", expected key:value`);
      out[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
    }
    return out;
  }

  /** Throws naming any key nobody asked for: a misspelt option must not be silently ignored. */
  rejectUnknown(): void {
    const unknown = Object.keys(this.values).filter((k) => !this.used.has(k));
    if (unknown.length) this.fail(`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  }
}

/** Merges config-file options with the spec suffix; the spec wins because it is the more explicit of the two. */
export function optionBag(
  spec: string,
  expected: string,
  fromSpec: string,
  fromConfig?: RawOptions,
): OptionBag {
  return new OptionBag({ ...(fromConfig ?? {}), ...parseOptionString(fromSpec) }, spec, expected);
}

/** Parses "90", "90s", "500ms", "5m", "2h" into ms; NaN when not a duration. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return NaN;
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Number(m[1]) * factor;
}
