/**
 * A sink in its own process, for tests that kill it with SIGKILL mid-stream (no stop(), no Kafka commit, no
 * goodbye to the group). Settings come as JSON in SINK_CHILD; it prints "started" and then one snapshot line per
 * 100 ms as NDJSON on stdout.
 */
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkOptions } from '../../../src/engines/sink/index.ts';
import { testConfig } from '../../helpers/services.ts';

interface ChildSettings {
  mysqlUrl: string;
  options: SinkOptions;
}

const settings = JSON.parse(process.env.SINK_CHILD ?? '{}') as ChildSettings;
const sink = createSink(testConfig({ mysqlUrl: settings.mysqlUrl }), settings.options);
await sink.start();
process.stdout.write(`${JSON.stringify({ started: true })}\n`);
setInterval(() => {
  const s = sink.store.getSnapshot();
  process.stdout.write(
    `${JSON.stringify({ persisted: s.persisted, status: s.status.kind, assignment: s.assignment })}\n`,
  );
}, 100);
process.once('SIGTERM', () => {
  void sink.stop().then(() => process.exit(0));
});
