/**
 * Topic names by role. DESIGN.md fixes the defaults; tests (and anyone sharing a cluster) can move a run onto
 * other topics with environment-only keys, e.g. TOLLSTREAM_TOPIC_PASSAGES=t1.toll.passages. They are not flags on
 * purpose: renaming topics is an operator's decision, not something to type per run.
 */
import { ConfigError } from '../config/config.ts';
import { TOPICS } from '../domain/types.ts';
import type { TopicRole } from '../domain/types.ts';

export type Topics = Record<TopicRole, string>;

export const TOPIC_ENV: Record<TopicRole, string> = {
  passages: 'TOLLSTREAM_TOPIC_PASSAGES',
  payments: 'TOLLSTREAM_TOPIC_PAYMENTS',
  plazas: 'TOLLSTREAM_TOPIC_PLAZAS',
  dlq: 'TOLLSTREAM_TOPIC_DLQ',
  legacy: 'TOLLSTREAM_TOPIC_LEGACY',
};

/** Kafka's own rule for topic names. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function topicsFromEnv(env: NodeJS.ProcessEnv = process.env, base: Partial<Topics> = {}): Topics {
  const out: Topics = { ...TOPICS, ...base };
  for (const role of Object.keys(TOPIC_ENV) as TopicRole[]) {
    const name = TOPIC_ENV[role];
    const value = env[name]?.trim();
    if (!value) continue;
    if (!TOPIC_NAME.test(value) || value === '.' || value === '..') {
      throw new ConfigError(
        `invalid topic name from environment ${name}: ${JSON.stringify(value)}; expected 1-249 characters of [A-Za-z0-9._-]`,
      );
    }
    out[role] = value;
  }
  const names = Object.values(out);
  if (new Set(names).size !== names.length) {
    throw new ConfigError(`topic names must differ per role, got ${JSON.stringify(out)}`);
  }
  return out;
}
