/**
 * `tollstream lag [--group G ...] [--format table|json|csv] [--samples N] [--watch [interval]]`: every consumer
 * group that reads a toll topic (ours first), per partition the committed offset, log end offset and lag that
 * Kafka's `kafka-consumer-groups --describe` shows, plus time lag, trend, Burrow status and catch-up ETA from the
 * lag pane's engine. A one-shot run takes a few looks (status compares them); --watch redraws until Ctrl-C.
 *
 * Exit codes: 0 every partition of the groups shown is OK; 1 one is WARN, STALL or STOP, or Kafka could not be
 * read; 2 bad usage (a bad option, a --group that does not exist or reads no toll topic).
 */
import type { CommandContext } from '../cli/main.ts';
import type { Config } from '../config/config.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import { backoffDelay, sleep } from '../util/backoff.ts';
import { createLogger, setLogSink, stderrSink } from '../util/log.ts';
import { DEFAULT_SAMPLES, SAMPLE_GAP_MS, parseLagOptions } from './options.ts';
import type { LagOptions } from './options.ts';
import { EXIT_LAG, buildReport, exitCodeFor, renderReport } from './report.ts';
import { LagSampler, series } from './sampler.ts';
import type { LagLook } from './sampler.ts';

/** How long a one-shot run keeps looking, past its planned looks, for Kafka's answer about older messages. */
const HISTORY_WAIT_MS = 6000;
/** Looks per Burrow window under --watch, as in the lag pane. */
const WATCH_WINDOW = 10;
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

const fail = (message: string, code: number): number => {
  process.stderr.write(`tollstream lag: ${message}\n`);
  return code;
};

export async function runLagCommand(ctx: CommandContext): Promise<number> {
  const { config } = ctx;
  setLogSink(stderrSink, config.logLevel);
  const parsed = parseLagOptions(ctx.flags, ctx.input);
  if (!parsed.ok) return fail(parsed.message, EXIT_LAG.usage);
  const { options } = parsed;
  const kafka = createKafka(config.kafka, {
    logger: createLogger('lag').child('kafka'),
    clientIdSuffix: '-lag',
  });
  const admin = new KafkaAdmin(kafka);
  try {
    await admin.connect();
    if (options.groups.length) {
      const existing = new Set(await admin.listGroups());
      const missing = options.groups.filter((g) => !existing.has(g));
      if (missing.length) {
        return fail(
          `${missing.map((g) => `consumer group "${g}"`).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist on ${config.kafka.brokers.join(',')}`,
          EXIT_LAG.usage,
        );
      }
    }
    const topics = Object.values(config.topics);
    const windowSize = options.watchMs === null ? options.samples : WATCH_WINDOW;
    const sampler = new LagSampler(admin, { topics, ourGroupId: config.groupId, windowSize });
    return options.watchMs === null
      ? await once(sampler, options, config)
      : await watch(sampler, options, config, options.watchMs);
  } catch (e) {
    return fail(
      `cannot read consumer lag from Kafka at ${config.kafka.brokers.join(',')}: ${(e as Error).message}`,
      EXIT_LAG.lagging,
    );
  } finally {
    await admin.disconnect();
  }
}

/** A usage message when a group asked for reads none of the toll topics; null when all of them do. */
function notReading(look: LagLook, options: LagOptions): string | null {
  const absent = options.groups.filter((g) => !look.groups.some((x) => x.groupId === g));
  if (!absent.length) return null;
  const topics = look.topics.length ? look.topics.join(', ') : 'none exists yet';
  return `${absent.map((g) => `consumer group "${g}"`).join(', ')} ${absent.length === 1 ? 'has' : 'have'} no offsets on the toll topics (${topics})`;
}

async function once(sampler: LagSampler, options: LagOptions, config: Config): Promise<number> {
  const progress = process.stderr.isTTY;
  if (progress) {
    process.stderr.write(
      `tollstream lag: ${options.samples} looks ${SAMPLE_GAP_MS / 1000} s apart (status compares them)…`,
    );
  }
  let look: LagLook;
  try {
    look = await series(sampler, {
      samples: options.samples,
      gapMs: SAMPLE_GAP_MS,
      historyWaitMs: HISTORY_WAIT_MS,
    });
  } finally {
    if (progress) process.stderr.write('\r\x1b[K');
  }
  const usage = notReading(look, options);
  if (usage) return fail(usage, EXIT_LAG.usage);
  const report = buildReport(look, config.groupId, options.groups);
  process.stdout.write(renderReport(options.format, report));
  return exitCodeFor(report);
}

/** Redraws every `intervalMs` until SIGINT/SIGTERM; returns the exit code of the last report. */
async function watch(
  sampler: LagSampler,
  options: LagOptions,
  config: Config,
  intervalMs: number,
): Promise<number> {
  const controller = new AbortController();
  const { signal } = controller;
  const stop = (): void => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const aborted = new Promise<null>((resolve) => signal.addEventListener('abort', () => resolve(null)));
  const screen = options.format === 'table' && process.stdout.isTTY === true;
  const command = ['tollstream lag', ...options.groups.map((g) => `--group ${g}`)].join(' ');
  let code: number = EXIT_LAG.ok;
  let attempt = 0;
  try {
    for (let frame = 0; !signal.aborted; frame++) {
      const started = Date.now();
      let waitMs = intervalMs;
      let text: string;
      try {
        // Ctrl-C must not wait for a look stuck in the client's retries.
        const pending = sampler.look();
        pending.catch(() => {}); // a look abandoned on Ctrl-C may fail once the client is closed
        const look = await Promise.race([pending, aborted]);
        if (!look) break;
        if (frame === 0) {
          const usage = notReading(look, options);
          if (usage) return fail(usage, EXIT_LAG.usage);
        }
        const report = buildReport(look, config.groupId, options.groups);
        code = exitCodeFor(report);
        text = renderReport(options.format, report, { watch: true, first: frame === 0 });
        if (options.format === 'table' && look.samples < DEFAULT_SAMPLES) {
          text += `(status settles after ${DEFAULT_SAMPLES} looks; ${look.samples} so far)\n`;
        }
        attempt = 0;
      } catch (e) {
        code = EXIT_LAG.lagging;
        waitMs = backoffDelay(attempt++, { initialMs: intervalMs, maxMs: 30_000 });
        const message = `cannot read consumer lag: ${(e as Error).message} (next try in ${Math.round(waitMs / 100) / 10} s)`;
        if (options.format === 'table') text = `${message}\n`;
        else {
          process.stderr.write(`tollstream lag: ${message}\n`);
          text = '';
        }
      }
      if (options.format === 'table') {
        const header = `Every ${intervalMs / 1000}s: ${command}    ${new Date().toISOString()}\n\n`;
        process.stdout.write(`${screen ? CLEAR_SCREEN : frame > 0 ? '\n' : ''}${header}${text}`);
      } else {
        process.stdout.write(text);
      }
      await sleep(Math.max(0, waitMs - (Date.now() - started)), signal);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return code;
}
