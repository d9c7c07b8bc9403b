/**
 * The producers' compression: none by default (measured, see src/engines/producer/index.ts), gzip on request
 * through the environment-only key TOLLSTREAM_COMPRESSION, like the topic overrides in topics.ts.
 */
import { ConfigError } from '../config/config.ts';
import type { Compression } from '../kafka/producer.ts';

export function compressionFromEnv(env: NodeJS.ProcessEnv = process.env): Compression | undefined {
  const raw = env.TOLLSTREAM_COMPRESSION?.trim().toLowerCase();
  if (!raw) return undefined;
  if (raw === 'gzip' || raw === 'none') return raw;
  throw new ConfigError(
    `invalid compression from environment TOLLSTREAM_COMPRESSION: ${JSON.stringify(raw)}; expected gzip or none`,
  );
}
