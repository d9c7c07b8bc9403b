/** What a headless run needs besides the engines: topic checks, offsets for the drain, and MySQL look-ups. */
import type { Config } from '../config/config.ts';
import type { OffsetMap } from '../runtime/drain.ts';
import { OffsetReader } from '../runtime/offsets.ts';
import { sqlPassageLookup } from '../runtime/reconcile.ts';
import type { PassageLookup } from '../runtime/reconcile.ts';
import { Storage } from '../storage/db.ts';
import type { Logger } from '../util/log.ts';

export interface RunServices {
  topicsMissing(topics: string[]): Promise<string[]>;
  highWatermarks(topics: string[]): Promise<OffsetMap>;
  committed(groupId: string, topics: string[]): Promise<OffsetMap>;
  lookup: PassageLookup;
  close(): Promise<void>;
}

export function realServices(config: Config, logger: Logger): RunServices {
  const offsets = new OffsetReader(config, logger.child('kafka'));
  let storage: Promise<Storage> | undefined;
  const db = (): Promise<Storage> => {
    const { url, ssl, sslCaFile } = config.mysql;
    storage ??= Storage.open({ url, ssl, ...(sslCaFile ? { sslCaFile } : {}), connectionLimit: 2 });
    // A failed open is retried on the next call instead of being remembered.
    storage.catch(() => (storage = undefined));
    return storage;
  };
  return {
    topicsMissing: (topics) => offsets.topicsMissing(topics),
    highWatermarks: (topics) => offsets.highWatermarks(topics),
    committed: async (groupId, topics) => offsets.committed(await db(), groupId, topics),
    lookup: async (ids) => sqlPassageLookup(await db())(ids),
    async close() {
      await offsets.close();
      const s = await storage?.catch(() => undefined);
      await s?.close();
    },
  };
}
