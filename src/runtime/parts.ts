/** The real engines a pipeline is made of. */
import { createClusterMonitor } from '../engines/cluster.ts';
import { createLagMonitor } from '../engines/lag/index.ts';
import { createProducerEngine } from '../engines/producer/index.ts';
import { createSink } from '../engines/sink/index.ts';
import { createAnomalyEngine } from '../anomalies/engine.ts';
import type { PipelineParts } from './pipeline.ts';

export const DEFAULT_PARTS: PipelineParts = {
  producers: (config, options) => createProducerEngine(config, options),
  sink: (config, { groupId, topics, logger }) => createSink(config, { groupId, topics, logger }),
  lag: (config, { ourGroupId, intervalMs, topics, logger }) =>
    createLagMonitor(config, { ourGroupId, intervalMs, topics, logger }),
  cluster: (config, { logger }) => createClusterMonitor(config, { logger }),
  anomalies: (config, { topics, logger }) =>
    createAnomalyEngine(config, config.anomalies, { topics, logger }),
};
