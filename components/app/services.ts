/**
 * Everything the monitor shows or acts on, handed in by src/monitor/command.ts. Stores are the engines' own
 * (src/engines/types.ts); null means this process does not run that engine (--role producer / consumer).
 */
import type {
  ClusterSnapshot,
  LagSnapshot,
  ProducerActions,
  ProducersSnapshot,
  SinkSnapshot,
} from '../../src/engines/types.ts';
import type { LogEntry } from '../../src/util/log.ts';
import type { ReadableStore } from '../../src/util/store.ts';
import type { Lifecycle } from '../alerts/Footer.tsx';
import type { AnomaliesService } from '../anomalies/types.ts';
import type { QueryService } from '../sql/types.ts';
import type { BaselineService } from '../throughput/types.ts';

export interface MonitorServices {
  producers: { store: ReadableStore<ProducersSnapshot>; actions: ProducerActions } | null;
  sink: ReadableStore<SinkSnapshot> | null;
  lag: ReadableStore<LagSnapshot>;
  cluster: ReadableStore<ClusterSnapshot>;
  /** Newest first, bounded. */
  logs: ReadableStore<readonly LogEntry[]>;
  lifecycle: ReadableStore<Lifecycle>;
  query: QueryService | null;
  /** The anomalies table as polled by this monitor; absent or null when it reads none. */
  anomalies?: AnomaliesService | null;
  /** The plaza throughput pane's expected bands (traffic baselines); absent or null when it reads none. */
  baselines?: BaselineService | null;
  /** SQL history of earlier runs (oldest first) and where a new entry goes. */
  history: { initial: readonly string[]; append(sql: string): void };
  startedAt: number;
  tz: string;
  /** The single shutdown path (same as SIGINT/SIGTERM). */
  quit(): void;
}
