/**
 * `tollstream soak` (`npm run soak`): the fault soak. Progress on stderr, the final table on stdout.
 * Exit 0 only when nothing acknowledged was lost and nothing was doubled; 1 otherwise (or when the soak could not
 * judge the run); 2 for bad flags or ports already in use.
 */
import { existsSync, mkdtempSync, readdirSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CommandContext } from '../cli/main.ts';
import { MARIADBD } from '../stack/mysql.ts';
import { portFree } from '../stack/processes.ts';
import { createLogger, setLogSink, stderrSink } from '../util/log.ts';
import { parseSoakFlags, SoakUsageError } from './flags.ts';
import type { SoakSettings } from './flags.ts';
import { clock, formatTable, soakPassed } from './report.ts';
import { runSoak } from './run.ts';
import { faultSchedule } from './schedule.ts';

const usage = (message: string): number => {
  process.stderr.write(`tollstream soak: ${message}\n`);
  return 2;
};

async function portsInUse(s: SoakSettings): Promise<string[]> {
  const brokerPort = Number(s.broker.split(':')[1]);
  const ports: [string, number][] = [
    ['ZooKeeper', Number(s.zookeeper.split(':')[1])],
    ['broker 0', brokerPort],
    ['broker 1', brokerPort + 1],
    ['broker 2', brokerPort + 2],
    ['MariaDB', s.mysqlPort],
  ];
  const busy: string[] = [];
  for (const [what, port] of ports)
    if (!(await portFree('127.0.0.1', port))) busy.push(`${what} port ${port}`);
  return busy;
}

export async function runSoakCommand(ctx: CommandContext): Promise<number> {
  setLogSink(stderrSink, ctx.config.logLevel === 'debug' ? 'debug' : 'warn');
  if (ctx.input.length) return usage(`unexpected argument "${ctx.input[0]}"`);
  let settings: SoakSettings;
  try {
    settings = parseSoakFlags(ctx.flags, () => Math.floor(Math.random() * 1_000_000));
  } catch (e) {
    if (e instanceof SoakUsageError) return usage(e.message);
    throw e;
  }
  if (settings.stateDir && existsSync(settings.stateDir) && readdirSync(settings.stateDir).length) {
    return usage(`--state-dir ${settings.stateDir} is not empty; the soak builds its stack from scratch`);
  }
  const busy = await portsInUse(settings);
  if (busy.length) {
    return usage(
      `${busy.join(', ')} already in use (another soak, or a stack): choose others with --zookeeper, --brokers, --mysql-port`,
    );
  }
  if (!existsSync(MARIADBD)) {
    process.stderr.write(
      `tollstream soak: needs MariaDB's server (${MARIADBD}) and mariadb-install-db for its private database\n`,
    );
    return 1;
  }

  const faults = faultSchedule({
    seed: settings.seed,
    durationMs: settings.durationMs,
    everyMs: settings.everyMs,
    kinds: settings.kinds,
  });
  const dir = settings.stateDir ?? mkdtempSync(path.join(tmpdir(), 'tollstream-soak-'));
  mkdirSync(dir, { recursive: true });
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  say(
    `tollstream soak: seed ${settings.seed}, ${faults.length} faults over ${clock(settings.durationMs)} (${settings.kinds.join(', ')}), ${settings.rate} passages/s; state in ${dir}`,
  );

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) return;
    say(
      `\ntollstream soak: ${signal}: stopping and cleaning up${settings.keep ? ' (--keep: leaving the services running)' : ''}`,
    );
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runSoak({
      seed: settings.seed,
      durationMs: settings.durationMs,
      rate: settings.rate,
      faults,
      dir,
      ownsDir: settings.stateDir === undefined,
      keep: settings.keep,
      zookeeper: settings.zookeeper,
      broker: settings.broker,
      mysqlPort: settings.mysqlPort,
      signal: stop.signal,
      progress: say,
      logger: createLogger('soak'),
    });
    process.stdout.write(
      `${formatTable(
        {
          seed: settings.seed,
          durationMs: settings.durationMs,
          everyMs: settings.everyMs,
          rate: settings.rate,
        },
        result.faults,
        result.totals,
        result.failure,
        result.notes,
      )}\n`,
    );
    return soakPassed(result.totals, result.failure) ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
