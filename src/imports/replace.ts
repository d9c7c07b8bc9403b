/**
 * `--replace`: fixing a wrong import. A file's event ids derive from its content, so importing the same file
 * again with a corrected mapping yields the same ids, which the sink would skip as already present. A replace run
 * imports the file as usual, through Kafka and the sink, but its passages and payments carry a stage (a header)
 * that makes the sink write them to staging tables. Once the run has read the whole file and every passage it
 * produced is persisted there (the end-of-run reconcile looks in staging), one MySQL transaction removes the rows
 * of the earlier import of the file (event ids starting with "<import id>-") and puts the staged rows in their
 * place, recording it in `imports`. A run that fails swaps nothing and deletes its staged rows.
 *
 * The headless run calls three things: prepareReplace (before the pipeline; throws ConfigError on bad usage),
 * the run's `lookup` for the reconcile, and finishReplace once the verdict is known.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/config.ts';
import type { Config } from '../config/config.ts';
import type { TollEvent } from '../domain/types.ts';
import type { EndReason, ReplacedImport, Verdict } from '../headless/status.ts';
import type { PipelineOptions } from '../runtime/pipeline.ts';
import type { PassageLookup } from '../runtime/reconcile.ts';
import { createSource } from '../sources/index.ts';
import type { RecordSource } from '../sources/replay-source.ts';
import type { SourceContext, TollSource } from '../sources/source.ts';
import { Storage, StorageError } from '../storage/db.ts';
import { applySchema, databaseSchemaVersion, schemaFileVersion } from '../storage/schema.ts';
import { sleep } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';
import type { Stage } from './stage-store.ts';
import {
  abandonStage,
  importPrefix,
  openStage,
  stagedPassageLookup,
  swapStage,
  SwapRefused,
} from './stage-store.ts';

type ProducerOptions = NonNullable<PipelineOptions['producerOptions']>;

export interface ReplaceRun {
  readonly runId: string;
  /** The run's producer options with its source wrapped: its events are staged, and checked to be a file's. */
  producerOptions(base?: ProducerOptions): ProducerOptions;
  /** Where the reconcile finds this run's passages: its staging rows. */
  readonly lookup: PassageLookup;
  /** Swaps the staged rows in when the run passed its checks and read its file to the end; abandons them else. */
  finish(judged: Verdict, stoppedBy: EndReason | null): Promise<ReplaceOutcome>;
}

export interface ReplaceOutcome {
  verdict: Verdict;
  replaced: ReplacedImport | null;
}

const SWAP_ATTEMPTS = 3;

/** Why a run cannot be a replace run, or null. Sources are checked when they are created (they must be files). */
export function replaceUsageProblem(run: Config['run']): string | null {
  if (run.role !== 'all')
    return `--replace needs --role all: the run that produces the file must see it persisted before it swaps the rows (got --role ${run.role})`;
  if (run.sources.length !== 1)
    return `--replace replaces the earlier import of one file: give exactly one --source file:<path>#<mapping> (got ${run.sources.length}: ${run.sources.join(', ')})`;
  if (run.events !== undefined)
    return `--replace swaps every row of the earlier import, so it imports the whole file: drop --events ${run.events}`;
  if (run.from !== undefined || run.to !== undefined)
    return '--replace swaps every row of the earlier import, so it imports the whole file: drop --from/--to';
  return null;
}

/** `20261202T124500Z-1a2b3c`: sorts by start time, unique enough for runs of one file. */
export function newRunId(now = Date.now()): string {
  const at = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${at}-${randomBytes(3).toString('hex')}`;
}

const hasImportId = (s: TollSource): s is RecordSource & Required<Pick<RecordSource, 'importId'>> =>
  s.finite && typeof (s as Partial<RecordSource>).importId === 'function';

/** Throws ConfigError (exit 2) when the configuration cannot make a replace run. */
export function prepareReplace(config: Config, log: Logger): ReplaceRun {
  const problem = replaceUsageProblem(config.run);
  if (problem) throw new ConfigError(problem);
  const runId = newRunId();
  let storage: Promise<Storage> | undefined;
  let stage: Promise<Stage> | undefined;

  const db = (): Promise<Storage> => {
    storage ??= (async () => {
      const { url, ssl, sslCaFile } = config.mysql;
      const s = await Storage.open({
        url,
        ssl,
        ...(sslCaFile ? { sslCaFile } : {}),
        connectionLimit: 2,
        createDatabase: true,
      });
      // The sink upgrades an older database as it starts; a replace run does not rely on it having started.
      const version = await databaseSchemaVersion(s);
      if ((version === null || version < schemaFileVersion()) && s.database) await applySchema(s, s.database);
      return s;
    })();
    storage.catch(() => (storage = undefined));
    return storage;
  };

  /** The import's identity, which the file source knows once its first pass (plazas()) is done. */
  const importIdOf = async (
    source: RecordSource & Required<Pick<RecordSource, 'importId'>>,
  ): Promise<string> => {
    let importId = source.importId();
    if (importId === undefined) {
      await source.plazas();
      importId = source.importId();
    }
    if (!importId) throw new Error(`${source.spec} has no import identity, so there is nothing to replace`);
    return importId;
  };

  /** Opens the stage once, before the first staged event goes out. */
  const begin = (spec: string, importId: string): Promise<Stage> =>
    (stage ??= (async () => {
      const opened: Stage = { stageId: `${importId}:${runId}`, importId, runId, source: spec };
      const superseded = await openStage(await db(), opened);
      for (const s of superseded)
        log.warn(`an earlier replace of this file never finished; its staged rows are deleted`, { stage: s });
      log.info(`staging ${spec} as ${opened.stageId}; the earlier import is swapped out at the end`);
      return opened;
    })());

  /** The source's events, each marked with the stage; an id outside the import's prefix stops the run. */
  const staged = (source: RecordSource & Required<Pick<RecordSource, 'importId'>>): TollSource => {
    async function* events(signal: AbortSignal): AsyncGenerator<TollEvent[]> {
      const importId = await importIdOf(source);
      const prefix = importPrefix(importId);
      for await (const batch of source.events(signal)) {
        for (const e of batch) {
          if (!e.passage.eventId.startsWith(prefix)) {
            throw new Error(
              `--replace finds the earlier import's rows by their event ids, which start with "${prefix}"; passage ${e.passage.eventId} does not (an idPrefix option names the ids otherwise: drop it to replace this file)`,
            );
          }
        }
        if (batch.length) {
          const { stageId } = await begin(source.spec, importId);
          for (const e of batch) e.stage = stageId;
        }
        yield batch;
      }
    }
    return new Proxy(source, {
      get: (target, key, receiver) => (key === 'events' ? events : Reflect.get(target, key, receiver)),
    });
  };

  const settledStage = async (): Promise<Stage | null> => (stage ? stage.catch(() => null) : null);

  const abandon = async (s: Stage, reason: string): Promise<void> => {
    try {
      await abandonStage(await db(), s.stageId, reason);
      log.info(`nothing replaced; the staged rows of ${s.stageId} are deleted`, { reason });
    } catch (e) {
      log.error(
        `cannot delete the staged rows of ${s.stageId}: ${(e as Error).message}; the live tables are untouched, and the next --replace of this file deletes them`,
      );
    }
  };

  const swap = async (s: Stage): Promise<ReplacedImport> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const c = await swapStage(await db(), s);
        return {
          importId: s.importId,
          runId: s.runId,
          removed: c.passagesRemoved,
          inserted: c.passagesInserted,
          paymentsRemoved: c.paymentsRemoved,
          paymentsInserted: c.paymentsInserted,
        };
      } catch (e) {
        // A deadlock or lock wait with the sink rolled the swap back whole: it can be tried again as it was.
        if (!(e instanceof StorageError && e.retriable) || attempt >= SWAP_ATTEMPTS) throw e;
        log.warn(`the swap was rolled back (${e.message}); trying again`, { attempt });
        await sleep(500 * attempt);
      }
    }
  };

  return {
    runId,
    producerOptions(base) {
      const inner = base?.sourceFactory ?? ((spec: string, ctx: SourceContext) => createSource(spec, ctx));
      return {
        ...base,
        sourceFactory: (spec, ctx) => {
          const source = inner(spec, ctx);
          if (!hasImportId(source)) {
            throw new ConfigError(
              `--replace replaces the earlier import of a file (file:<path>#<mapping>), whose event ids derive from its content; ${spec} is a ${source.finite ? '' : 'never-ending '}${source.kind} source`,
            );
          }
          return staged(source);
        },
      };
    },
    lookup: async (ids) => {
      const s = await settledStage();
      return s ? stagedPassageLookup(await db(), s.stageId)(ids) : new Map();
    },
    async finish(judged, stoppedBy) {
      try {
        const s = await settledStage();
        const refusal =
          judged.exitCode !== 0
            ? (judged.reason ?? 'the run failed its checks')
            : stoppedBy !== 'sources-finished'
              ? `the run stopped (${stoppedBy ?? 'signal'}) before the whole file was imported`
              : null;
        if (refusal !== null) {
          if (s) await abandon(s, refusal);
          return { verdict: notReplaced(judged, refusal), replaced: null };
        }
        if (!s) {
          const why = 'the run staged no passage of the file (nothing read, or every row rejected)';
          return { verdict: notReplaced(judged, why), replaced: null };
        }
        try {
          const swapStarted = Date.now();
          const replaced = await swap(s);
          log.info(
            `replaced the earlier import of ${s.source}: ${replaced.removed} passages and ${replaced.paymentsRemoved} payments out, ${replaced.inserted} and ${replaced.paymentsInserted} in (one transaction, ${Date.now() - swapStarted} ms)`,
          );
          return { verdict: judged, replaced };
        } catch (e) {
          const why =
            e instanceof SwapRefused
              ? `nothing was replaced: ${e.message}`
              : `the swap failed: ${(e as Error).message}`;
          await abandon(s, why);
          return { verdict: notReplaced(judged, why), replaced: null };
        }
      } finally {
        const s = await storage?.catch(() => undefined);
        await s?.close();
      }
    },
  };
}

/** The verdict of a replace run that swapped nothing: a failure, saying that the earlier rows are unchanged. */
function notReplaced(judged: Verdict, why: string): Verdict {
  const unchanged = "the earlier import's rows are unchanged";
  if (judged.exitCode !== 0)
    return {
      ...judged,
      reason: `${judged.reason ?? 'the run failed'}; --replace swapped nothing, ${unchanged}`,
    };
  return { ...judged, exitCode: 1, reason: `--replace: ${why}; ${unchanged}` };
}

/** A run without --replace passes through unchanged. */
export async function finishReplace(
  replace: ReplaceRun | null,
  judged: Verdict,
  stoppedBy: EndReason | null,
): Promise<ReplaceOutcome> {
  return replace ? replace.finish(judged, stoppedBy) : { verdict: judged, replaced: null };
}
