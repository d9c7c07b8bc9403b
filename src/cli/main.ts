/**
 * The command line (meow). Parses flags, loads the configuration once, and hands over to a command:
 *   tollstream                 full-screen monitor (producers and consumer in-process)
 *   tollstream --headless      the same engines without UI
 *   tollstream stack ...       Docker-free ZooKeeper + Kafka + MySQL schema
 *   tollstream import ...      a finite source into Kafka and MySQL, with a preview (--dry-run)
 *   tollstream query ...       read-only SQL
 *   tollstream lag ...         consumer lag of every group that reads the toll topics
 *   tollstream bench           benchmark
 *   tollstream soak            fault soak on a private stack
 *   tollstream audit           what Kafka holds in a time range against MySQL and the dead-letter topic
 * Exit codes: 0 success, 1 a run that failed its own checks, 2 bad usage or configuration.
 */
import meow from 'meow';
import type { AnyFlags } from 'meow';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../config/config.ts';
import type { Config } from '../config/config.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const HELP = `
  Usage
    $ tollstream [options]                  full-screen monitor: producers + consumer in-process
    $ tollstream --headless [options]       the same engines without UI (NDJSON status on stdout)
    $ tollstream stack up|down|status       Docker-free ZooKeeper + Kafka (+ MySQL schema)
    $ tollstream import SOURCE [--dry-run]  a file, replay or HTTP range into Kafka and MySQL, or a preview of it
    $ tollstream query "SQL" | --saved NAME read-only SQL against the passages database
    $ tollstream lag [--group G ...]        consumer lag per group and partition (exit 1 when any is not OK)
    $ tollstream bench                      end-to-end benchmark against the running stack
    $ tollstream soak                       fault soak on a private 3-broker stack and MariaDB
    $ tollstream audit [--from T] [--to T]  did we lose anything? Kafka's messages in a time range against MySQL
                                            and the dead-letter topic (exit 1 when any is missing)

  Run options
    --headless              no UI; status lines on stdout, summary at the end
    --source SPEC           simulator | tolldata:<dir> | hourly:<file> | http:<url> | file:<path>  (repeatable)
    --rate N                target passages/s for the simulator (0 = as fast as possible; default 200)
    --speed S               replay speed: max | realtime | <factor> (default max)
    --from DATE, --to DATE  half-open event-time range for replays
    --duration D            stop after D (e.g. 60s, 5m)
    --events N              stop after N passages produced
    --role R                producer | consumer | anomalies | all (default all)
    --interval D            headless status interval (default 1s)
    --metrics-port N        serve Prometheus /metrics and /healthz on port N (headless and monitor; off by default)
    --metrics-host H        address that port listens on (default 127.0.0.1; 0.0.0.0 for every interface)

  Import options (tollstream import SOURCE; SOURCE as for --source, see "Sources" below)
    --dry-run               read and map the whole source, print the first rows as they would be produced and
                            the rejects by reason; produce nothing
    --rows N                rows the dry run prints (default 20)
    --replace               replace what an earlier import of the same file wrote, in one transaction
    --max-rejects N|N%      rows an import may reject before it fails (default 0 for files; also for --headless)
    --format F              table (default on a terminal) | json (the headless NDJSON lines)

  Lag options (tollstream lag)
    --group G               only this consumer group (repeatable; default every group that reads a toll topic,
                            ours first). Elsewhere --group is our sink's group id
    --format F              table | json | csv (default table)
    --samples N             looks a one-shot run takes, 2 s apart, before it reports (default 4; status compares
                            them)
    --watch [interval]      redraw every interval (default 2s) until Ctrl-C

  Stack options
    stack up --brokers 1|3  one broker on 9092 or three on 9092-9094
    stack down --purge      also delete the stack's data

  Soak options (its endpoints come from these flags only, never from TOLLSTREAM_* or a config file)
    --duration D            how long faults are injected (default 10m); --rate N passages/s (default 500)
    --seed N                replays a run's fault schedule (default random, printed)
    --fault-every D         mean spacing of faults (default 30s)
    --faults LIST           kinds to draw from (default all): broker-kill, broker-stall, mariadb-kill,
                            sink-kill, sink-pause, producer-kill
    --zookeeper, --brokers  private ports (default 127.0.0.1:24281, 127.0.0.1:31292 and the next two)
    --mysql-port N          the private MariaDB's port (default 24306)
    --state-dir DIR         an empty folder for its stack, data, logs and ack logs (default a temp folder)
    --keep                  leave the stack and MariaDB running and the folder in place at the end

  Query options
    --saved NAME            run a saved query (--saved list shows them); --param key=value (repeatable)
    --format F              table | json | csv (default table)

  Audit options (tollstream audit; read-only: no consumer group, no commit, SELECTs only)
    --from T, --to T        Kafka message time, half-open [from, to) (default the whole log; without a zone: --tz)
    --topic R               passages | payments | legacy | all (default all)
    --format F              table | json (default table)
    --limit N               missing ids listed per topic (default 20)

  Connection options (flags > TOLLSTREAM_* environment > tollstream.config.yaml|json > defaults)
    --config FILE           configuration file (YAML or JSON)
    --brokers LIST          Kafka bootstrap servers (default 127.0.0.1:9092)
    --kafka-ssl, --kafka-ssl-ca FILE, --kafka-sasl-mechanism M, --kafka-sasl-username U
                            (SASL password only via TOLLSTREAM_KAFKA_SASL_PASSWORD or the config file)
    --compression C         none | gzip: producer batch compression (default none)
                            topic names: TOLLSTREAM_TOPIC_PASSAGES (PAYMENTS, PLAZAS, DLQ, LEGACY) or topics.* in the file
    --zookeeper HOST:PORT   (default 127.0.0.1:2181)
    --mysql-url URL         (default mysql://root@127.0.0.1:3306/tollstream)
    --mysql-ssl, --mysql-ssl-ca FILE
    --client-id ID, --group ID (default tollstream-sink), --tz ZONE (default UTC), --state-dir DIR
    --log-level L           debug | info | warn | error
`;

const COMMANDS = ['stack', 'import', 'query', 'lag', 'bench', 'soak', 'audit'] as const;
type Command = (typeof COMMANDS)[number] | 'monitor';

function flagSpec(): AnyFlags {
  const flags: AnyFlags = {
    config: { type: 'string' },
    headless: { type: 'boolean' },
    purge: { type: 'boolean' },
    saved: { type: 'string' },
    param: { type: 'string', isMultiple: true },
    format: { type: 'string' },
    stackBrokers: { type: 'number' },
    seed: { type: 'string' },
    faultEvery: { type: 'string' },
    faults: { type: 'string' },
    topic: { type: 'string' },
    limit: { type: 'string' },
    mysqlPort: { type: 'string' },
    keep: { type: 'boolean' },
    dryRun: { type: 'boolean' },
    rows: { type: 'string' },
    lagGroup: { type: 'string', isMultiple: true },
    samples: { type: 'string' },
    watch: { type: 'string' },
  };
  for (const def of CONFIG_KEYS) {
    if (!def.flag) continue;
    flags[def.flag] =
      def.flag === 'source'
        ? { type: 'string', isMultiple: true }
        : { type: def.expected.startsWith('true or false') ? 'boolean' : 'string' };
  }
  return flags;
}

export interface CommandContext {
  config: Config;
  input: string[];
  flags: Record<string, unknown>;
}

export async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  const command: Command = (COMMANDS as readonly string[]).includes(first ?? '')
    ? (first as Command)
    : 'monitor';
  const rest = command === 'monitor' ? argv : argv.slice(1);
  // `stack up --brokers 3` counts brokers; everywhere else --brokers is the bootstrap list.
  const args =
    command === 'stack'
      ? rest.map((a, i) => (a === '--brokers' && /^\d+$/.test(rest[i + 1] ?? '') ? '--stack-brokers' : a))
      : command === 'lag'
        ? // `lag --group G` selects groups (repeatable); our sink's group id comes from TOLLSTREAM_GROUP_ID or the file.
          rest.map((a) => a.replace(/^--group(?==|$)/, '--lag-group'))
        : rest;
  // The sources' options are only needed for --help; loading them on every start would slow the others.
  const help = argv.includes('--help')
    ? `${HELP}\n${(await import('../sources/index.ts'))
        .describeSources()
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n`
    : HELP;
  const cli = meow(help, {
    importMeta: import.meta,
    argv: args,
    flags: flagSpec(),
    allowUnknownFlags: false,
    booleanDefault: undefined,
  });
  let config: Config;
  try {
    config = loadConfig(cli.flags);
  } catch (e) {
    if (e instanceof ConfigError) {
      // One line per wrong key.
      process.stderr.write(e.message.replace(/^/gm, 'tollstream: ') + '\n');
      return EXIT.usage;
    }
    throw e;
  }
  const ctx: CommandContext = { config, input: cli.input, flags: cli.flags };
  switch (command) {
    case 'stack':
      return (await import('../stack/command.ts')).runStackCommand(ctx);
    case 'import':
      return (await import('../imports/command.ts')).runImportCommand(ctx);
    case 'query':
      return (await import('../query/command.ts')).runQueryCommand(ctx);
    case 'lag':
      return (await import('../lag-command/command.ts')).runLagCommand(ctx);
    case 'bench':
      return (await import('../bench/command.ts')).runBenchCommand(ctx);
    case 'soak':
      return (await import('../soak/command.ts')).runSoakCommand(ctx);
    case 'audit':
      return (await import('../audit/command.ts')).runAuditCommand(ctx);
    case 'monitor':
      if (cli.input.length) {
        process.stderr.write(`tollstream: unknown command "${cli.input[0]}" (try tollstream --help)\n`);
        return EXIT.usage;
      }
      if (cli.flags.headless) return (await import('../headless/command.ts')).runHeadlessCommand(ctx);
      return (await import('../monitor/command.ts')).runMonitorCommand(ctx);
    default: {
      const never: never = command;
      throw new Error(`unhandled command ${String(never)}`);
    }
  }
}
