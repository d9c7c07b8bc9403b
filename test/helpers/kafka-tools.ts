/** Kafka's own command-line tools, run from the stack's jars, as the reference the tests compare tollstream with. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** One row of `kafka-consumer-groups --describe`, named after its columns; null where the tool prints "-". */
export interface DescribedRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: string | null;
  logEndOffset: string | null;
  lag: number | null;
}

/** Runs Kafka 3.9's ConsumerGroupCommand for the groups (it describes groups without members too). */
export async function kafkaDescribe(bootstrap: string, groups: string[]): Promise<DescribedRow[]> {
  const { stdout } = await run(
    'java',
    [
      '-Xmx128m',
      '-cp',
      '.tollstream/jars/*',
      'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
      '--bootstrap-server',
      bootstrap,
      '--describe',
      ...groups.flatMap((g) => ['--group', g]),
    ],
    { cwd: REPO, timeout: 60_000 },
  );
  const dash = (s: string): string | null => (s === '-' ? null : s);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 6 && groups.includes(cols[0]!))
    .map(([group, topic, partition, current, logEnd, lag]) => ({
      group: group!,
      topic: topic!,
      partition: Number(partition),
      currentOffset: dash(current!),
      logEndOffset: dash(logEnd!),
      lag: lag === '-' ? null : Number(lag),
    }));
}
