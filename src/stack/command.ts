/**
 * `tollstream stack up | down | status`: runs the launcher and prints. Progress and status go to stdout as
 * aligned lines ("ZooKeeper  127.0.0.1:2181 ready (1.2 s)"); failures go to stderr as one message naming the
 * part and its log. Exit codes: 0 fine, 1 something is down or did not come up, 2 bad usage.
 */
import type { CommandContext } from '../cli/main.ts';
import { stackDown } from './down.ts';
import { StackError } from './errors.ts';
import { isBrokerCount } from './layout.ts';
import type { BrokerCount } from './layout.ts';
import type { BrokerStatus, StackStatus, TopicStatus } from './status.ts';
import { stackStatus } from './status.ts';
import { seconds } from './timing.ts';
import { stackUp } from './up.ts';

const USAGE = 'usage: tollstream stack up [--brokers 1|3] | down [--purge] | status';

const line = (part: string, text: string): void => {
  process.stdout.write(`${part.padEnd(10)} ${text}\n`);
};

export async function runStackCommand(ctx: CommandContext): Promise<number> {
  const [sub, ...extra] = ctx.input;
  if (extra.length) return usage(`unexpected argument "${extra[0]}"`);
  const brokers = ctx.flags.stackBrokers;
  if (brokers !== undefined && (sub !== 'up' || !isBrokerCount(brokers))) {
    return usage(
      sub === 'up' ? '--brokers for "stack up" is 1 or 3' : '--brokers N only applies to "stack up"',
    );
  }
  if (ctx.flags.purge && sub !== 'down') return usage('--purge only applies to "stack down"');
  try {
    switch (sub) {
      case 'up':
        return await up(ctx, brokers as BrokerCount | undefined);
      case 'down':
        return await down(ctx);
      case 'status':
        return await status(ctx);
      default:
        return usage(sub ? `unknown stack command "${sub}"` : 'missing stack command');
    }
  } catch (e) {
    if (e instanceof StackError) return fail(e);
    throw e;
  }
}

function usage(why: string): number {
  process.stderr.write(`tollstream: ${why}\n${USAGE}\n`);
  return 2;
}

function fail(e: StackError): number {
  let text = `tollstream: ${e.message}\n`;
  if (e.logFile) text += `  log: ${e.logFile}\n`;
  for (const l of e.logTail) text += `  | ${l}\n`;
  process.stderr.write(text);
  return e.exitCode;
}

async function up(ctx: CommandContext, brokers: BrokerCount | undefined): Promise<number> {
  const result = await stackUp(ctx.config, { ...(brokers ? { brokers } : {}), progress: line });
  const n = result.record.brokerCount;
  line(
    'stack',
    result.alreadyRunning
      ? `already running (ZooKeeper + ${n} broker${n > 1 ? 's' : ''}); state in ${result.record.stateDir}`
      : `up in ${seconds(result.elapsedMs)} (ZooKeeper + ${n} broker${n > 1 ? 's' : ''}); state in ${result.record.stateDir}`,
  );
  return 0;
}

async function down(ctx: CommandContext): Promise<number> {
  await stackDown(ctx.config, { purge: Boolean(ctx.flags.purge), progress: line });
  return 0;
}

async function status(ctx: CommandContext): Promise<number> {
  const s = await stackStatus(ctx.config);
  printStatus(s);
  for (const w of s.warnings) line('warning', w);
  for (const p of s.problems) process.stderr.write(`tollstream: ${p}\n`);
  return s.ok ? 0 : 1;
}

const pid = (p: number | null): string => (p ? `  pid ${p}` : '');

export function formatBroker(b: BrokerStatus, width = 16): string {
  const detail =
    b.state === 'up'
      ? `up    ${[b.controller ? 'controller' : '', `${b.latencyMs} ms`].filter(Boolean).join(', ')}`
      : `DOWN  ${b.error}`;
  return `${b.address.padEnd(width)} ${detail}${pid(b.pid)}`;
}

export function formatTopic(t: TopicStatus, width = 16): string {
  switch (t.state) {
    case 'present':
      return `${t.topic.padEnd(width)} ${t.partitions} partitions, replication ${t.replicationFactor}${
        t.minInsyncReplicas !== null && t.minInsyncReplicas > 1 ? `, min.insync ${t.minInsyncReplicas}` : ''
      }${t.compacted ? ', compacted' : ''}${t.leaderless ? `, ${t.leaderless} without leader` : ''}`;
    case 'missing':
      return `${t.topic.padEnd(width)} MISSING`;
    case 'unknown':
      return `${t.topic.padEnd(width)} unknown (${t.error})`;
    default: {
      const never: never = t;
      throw new Error(`unhandled topic state ${JSON.stringify(never)}`);
    }
  }
}

export function printStatus(s: StackStatus): void {
  const z = s.zookeeper;
  const m = s.mysql;
  const width = Math.max(
    z.address.length,
    m.address.length,
    ...s.brokers.map((b) => b.address.length),
    ...s.topics.map((t) => t.topic.length),
  );
  line(
    'ZooKeeper',
    `${z.address.padEnd(width)} ${
      z.state === 'up'
        ? `up    ${[z.mode, z.version ? `v${z.version}` : '', `${z.latencyMs} ms`].filter(Boolean).join(', ')}`
        : `DOWN  ${z.error}`
    }${pid(z.pid)}`,
  );
  for (const b of s.brokers) line(b.id === null ? 'broker' : `broker ${b.id}`, formatBroker(b, width));
  for (const t of s.topics) line('topic', formatTopic(t, width));
  line(
    'MySQL',
    `${m.address.padEnd(width)} ${
      m.state === 'up'
        ? `up    ${m.version}, schema v${m.schemaVersion ?? '—'} (schema.sql v${m.expectedSchemaVersion}), ${m.latencyMs} ms`
        : `DOWN  ${m.error}`
    }`,
  );
  if (s.recorded) {
    line(
      'stack',
      `${s.recorded.brokerCount} broker${s.recorded.brokerCount > 1 ? 's' : ''}, ${
        s.recorded.startedAt ? `started ${s.recorded.startedAt}` : 'stopped'
      }; state in ${s.stateDir}`,
    );
  }
}
