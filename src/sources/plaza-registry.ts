/**
 * The registry of external plaza codes ("A-101", "TP-Delhi-04") and the numeric ids passages carry. Its record is
 * the compacted plaza topic itself: every plaza record there names its code, so every producer, in any run, on
 * any machine, from any source, reads the same code → id table when it starts (how it is read is the loader's
 * business: see engines/producer/plaza-codes.ts).
 *
 * A code seen for the first time gets a free id in 40000..65535: the slot its FNV-1a hash picks (so producers
 * that never saw each other's registrations usually agree), or the next free one after it. The source publishes
 * the new plaza's record before the first passage that names it, and from then on the code has that id. Codes
 * pinned with plazaMap win over the registry; numeric plaza values are ids themselves and never looked up.
 */
import { createLogger, type Logger } from '../util/log.ts';
import { hash32 } from './random.ts';

/** The ids the registry hands out; below them are the ids sources assign themselves (simulator, MTA, ...). */
export const ALLOCATED_PLAZA_FIRST = 40_000;
export const ALLOCATED_PLAZA_LAST = 65_535;
const SLOTS = ALLOCATED_PLAZA_LAST - ALLOCATED_PLAZA_FIRST + 1;

/** What a plaza record carries of a plaza's identity. */
export interface PlazaCode {
  code: string;
  plazaId: number;
}

/** The plazas the registry starts from, oldest first: a later record for the same code wins. */
export type PlazaLoader = () => Promise<PlazaCode[]>;

/** The id a new code prefers: the same on every machine, and what earlier versions gave every code. */
export function preferredPlazaId(code: string): number {
  return ALLOCATED_PLAZA_FIRST + (hash32(code) % SLOTS);
}

/** The preferred id of `code` if free, else the next free one (wrapping); undefined when every id is taken. */
export function allocatePlazaId(code: string, taken: (id: number) => boolean): number | undefined {
  const start = preferredPlazaId(code) - ALLOCATED_PLAZA_FIRST;
  for (let i = 0; i < SLOTS; i++) {
    const id = ALLOCATED_PLAZA_FIRST + ((start + i) % SLOTS);
    if (!taken(id)) return id;
  }
  return undefined;
}

/** A code a plaza record can carry unchanged (the plaza topic and the plazas table hold 1-32 printable chars). */
export const PLAZA_CODE = /^[^\p{Cc}]{1,32}$/u;

export class PlazaRegistry {
  private readonly byCode = new Map<string, number>();
  /** Ids of every known plaza, plus ids the data uses directly; never handed to a new code. */
  private readonly used = new Set<number>();
  private readonly pinned = new Map<string, number>();
  private readonly added: PlazaCode[] = [];
  private loading: Promise<void> | undefined;
  private ready = false;

  /**
   * `loader` reads the registered plazas; a registry without one (`PlazaRegistry.inMemory()`) starts empty and
   * keeps what it allocates to itself.
   */
  constructor(
    private readonly loader: PlazaLoader,
    private readonly log: Logger = createLogger('plazas'),
    /** A preview's registry: new codes are only shown, never published, so it says "would be". */
    private readonly preview = false,
  ) {}

  /** A registry that knows no plaza but what it is told: for tests and tools that publish nothing. */
  static inMemory(log?: Logger): PlazaRegistry {
    const registry = new PlazaRegistry(() => Promise.resolve([]), log);
    registry.ready = true;
    return registry;
  }

  get loaded(): boolean {
    return this.ready;
  }

  /**
   * Reads the registered plazas, once: later calls share the first read. A failed read is not remembered, so a
   * restarted source tries again.
   */
  load(): Promise<void> {
    if (this.ready) return Promise.resolve();
    this.loading ??= this.loader().then(
      (known) => {
        for (const { code, plazaId } of known) {
          this.used.add(plazaId);
          this.byCode.set(code, plazaId);
        }
        this.ready = true;
        if (known.length) this.log.debug(`${this.byCode.size} plaza codes registered before this run`);
        for (const [code, plazaId] of this.pinned) this.warnIfShared(code, plazaId);
      },
      (e: unknown) => {
        this.loading = undefined;
        throw e;
      },
    );
    return this.loading;
  }

  /** The registered id of `code`, if it has one (a plazaMap pin counts). */
  lookup(code: string): number | undefined {
    return this.pinned.get(code) ?? this.byCode.get(code);
  }

  /**
   * The id of an external plaza code: its pinned or registered id, else a new one, registered from now on (the
   * caller publishes the plaza record before the first passage that carries it). Throws with a message for the
   * user when the code cannot be registered.
   */
  idFor(code: string): number {
    const known = this.lookup(code);
    if (known !== undefined) return known;
    if (!this.ready)
      throw new Error(`the plaza registry was not loaded before plaza "${code}" was looked up`);
    if (!PLAZA_CODE.test(code)) {
      throw new Error(
        `plaza "${code}" cannot be registered: a plaza code is 1-32 printable characters; give it an id with plazaMap`,
      );
    }
    const id = allocatePlazaId(code, (candidate) => this.used.has(candidate));
    if (id === undefined) {
      throw new Error(
        `plaza "${code}" cannot be registered: every id in ${ALLOCATED_PLAZA_FIRST}..${ALLOCATED_PLAZA_LAST} is taken; give it an id with plazaMap`,
      );
    }
    this.byCode.set(code, id);
    this.used.add(id);
    this.added.push({ code, plazaId: id });
    if (this.preview) this.log.debug(`plaza code "${code}" would be registered as id ${id}`);
    else this.log.info(`plaza code "${code}" registered as id ${id}`);
    return id;
  }

  /** plazaMap: `code` is `plazaId`, whatever the registry said, for every source of this process. */
  pin(code: string, plazaId: number): void {
    const before = this.lookup(code);
    this.pinned.set(code, plazaId);
    this.used.add(plazaId);
    if (before !== undefined && before !== plazaId)
      this.log.info(`plaza code "${code}" pinned to id ${plazaId} by plazaMap (registered as ${before})`);
    if (this.ready) this.warnIfShared(code, plazaId);
  }

  private warnIfShared(code: string, plazaId: number): void {
    for (const [other, id] of this.byCode) {
      if (id === plazaId && other !== code && !this.pinned.has(other)) {
        this.log.warn(
          `plazaMap gives plaza "${code}" id ${plazaId}, which is registered to plaza "${other}": both codes now name one plaza`,
        );
        return;
      }
    }
  }

  /** An id the data uses directly (a numeric plaza value): never given to a new code. */
  reserve(plazaId: number): void {
    this.used.add(plazaId);
  }

  /** The codes this registry registered since it was created, in order. */
  registeredThisRun(): PlazaCode[] {
    return this.added.map((a) => ({ ...a }));
  }
}
