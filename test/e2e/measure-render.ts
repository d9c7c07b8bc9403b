/**
 * CPU the monitor's rendering costs per second of wall time, with engine stores publishing every 150 ms (the
 * engines' throttle) realistic snapshots: 11 plazas × 120 buckets, 200 recent passages, 2 groups × 18
 * partitions, changing on every publish. Output goes to a discarding 120×40 "terminal". This isolates the UI's
 * cost from the pipeline's. Run with React's production build, as the monitor does:
 *   NODE_ENV=production npx tsx test/e2e/measure-render.ts [seconds]
 */
import { Writable } from 'node:stream';
import { render } from 'ink';
import { createElement } from 'react';
import { MonitorApp } from '../../components/app/App.tsx';
import { FRAME_MS } from '../../components/app/frame.ts';
import {
  cluster,
  fakeWorld,
  groupLag,
  lag,
  partitionLag,
  passage,
  producer,
  producers,
  sink,
} from '../unit/components/fakes.ts';

const seconds = Number(process.argv[2] ?? 20);
let bytes = 0;
const inkTimes: number[] = [];
const out = Object.assign(
  new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done();
    },
  }),
  { isTTY: true, columns: 120, rows: 40 },
) as unknown as NodeJS.WriteStream;

const w = fakeWorld();
let tick = 0;
function publish(): void {
  tick++;
  const base = tick * 7500; // 50,000 passages/s at one publish per 150 ms
  w.producers.set(producers([producer({ acked: base, sent: base, ratePerSec: 50_000 })]));
  w.sink.set(
    sink({
      persisted: base,
      ratePerSec: 50_000,
      recent: Array.from({ length: 200 }, (_, i) => passage(base + i)),
      bucketMs: 1000,
      throughput: Array.from({ length: 11 }, (_, p) => ({
        plazaId: 4000 + p,
        buckets: Array.from({ length: 120 }, (_, b) => 3000 + ((b * 37 + p * 11 + tick) % 1500)),
        total: base / 11,
      })),
    }),
  );
  if (tick % 7 === 0) {
    w.lag.set(
      lag(
        ['tollstream-sink', 'analytics'].map((g, gi) =>
          groupLag({
            groupId: g,
            ours: gi === 0,
            partitions: Array.from({ length: 18 }, (_, i) =>
              partitionLag({ partition: i, lag: (tick * 13 + i) % 900 }),
            ),
            history: Array.from({ length: 60 }, (_, i) => (i * tick) % 1000),
          }),
        ),
      ),
    );
    w.cluster.set(cluster({ checkedAt: tick }));
  }
}

const instance = render(createElement(MonitorApp, { services: w.services }), {
  stdout: out,
  exitOnCtrlC: false,
  patchConsole: false,
  maxFps: 20,
  onRender: (m) => inkTimes.push(m.renderTime),
});
const timer = setInterval(publish, 150);
globalThis.gc?.();
const startHeap = process.memoryUsage().heapUsed;
const startCpu = process.cpuUsage();
const startAt = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(startCpu);
const wall = performance.now() - startAt;
clearInterval(timer);
instance.unmount();
const share = (cpu.user + cpu.system) / 1000 / wall;
globalThis.gc?.();
const heapGrowth = (process.memoryUsage().heapUsed - startHeap) / 1024 / 1024;
const median = [...inkTimes].sort((a, b) => a - b)[Math.floor(inkTimes.length / 2)] ?? 0;
process.stdout.write(
  `UI render cost at 50,000 passages/s (engines publish every 150 ms, frames every ${FRAME_MS} ms, maxFps 20, NODE_ENV=${process.env.NODE_ENV ?? 'development'}): ${(share * 100).toFixed(1)} % of one core; ${Math.round(bytes / (wall / 1000) / 1024)} KiB/s to the terminal in ${inkTimes.length} frames (Ink's own drawing ${median.toFixed(1)} ms median); ${tick} publishes; heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB\n`,
);
process.exit(0);
