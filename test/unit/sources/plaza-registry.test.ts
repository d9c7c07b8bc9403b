import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergePlazaSources } from '../../../src/engines/producer/plaza-codes.ts';
import { createFileSource, parseFileOptions } from '../../../src/sources/file.ts';
import { createHttpSource, parseHttpOptions } from '../../../src/sources/http.ts';
import { optionBag } from '../../../src/sources/options.ts';
import {
  allocatePlazaId,
  ALLOCATED_PLAZA_FIRST,
  ALLOCATED_PLAZA_LAST,
  PlazaRegistry,
  preferredPlazaId,
  type PlazaCode,
} from '../../../src/sources/plaza-registry.ts';
import { hash32 } from '../../../src/sources/random.ts';
import { parseRecordMapping, RecordMapper } from '../../../src/sources/record-mapping.ts';
import type { TollEvent } from '../../../src/domain/types.ts';
import type { LogEntry, Logger } from '../../../src/util/log.ts';
import { context, drain } from './helpers.ts';

/** Two codes whose hashes pick the same slot (found by brute force: "C-76" and "C-250" both prefer 63848). */
const COLLIDING: [string, string] = ['C-76', 'C-250'];

function memoryLog(): { log: Logger; entries: Omit<LogEntry, 'at'>[] } {
  const entries: Omit<LogEntry, 'at'>[] = [];
  const make = (namespace: string): Logger => ({
    debug: (message) => entries.push({ level: 'debug', namespace, message }),
    info: (message) => entries.push({ level: 'info', namespace, message }),
    warn: (message) => entries.push({ level: 'warn', namespace, message }),
    error: (message) => entries.push({ level: 'error', namespace, message }),
    child: (n) => make(`${namespace}:${n}`),
  });
  return { log: make('plazas'), entries };
}

async function loaded(known: PlazaCode[], log?: Logger): Promise<PlazaRegistry> {
  const registry = new PlazaRegistry(() => Promise.resolve(known), log);
  await registry.load();
  return registry;
}

function mapper(mapping: string, registry?: PlazaRegistry): RecordMapper {
  const bag = optionBag(`file:x.csv#${mapping}`, 'file:<path>#<mapping>', mapping);
  return new RecordMapper(parseRecordMapping(bag, 'x-'), 'UTC', 'file', { registry });
}

const plazaOf = (m: RecordMapper, plaza: string): number | string => {
  const row: Record<string, string> = { p: plaza, v: 'V1', t: '2024-05-01T00:00:00Z' };
  const out = m.map((f) => row[f], `id-${plaza}`);
  return typeof out === 'string' ? out : out.passage.plazaId;
};

describe('plaza id allocation', () => {
  it('prefers the slot the code hashes to, as earlier versions did', () => {
    expect(preferredPlazaId('A-101')).toBe(49_321);
    expect(preferredPlazaId('A-101')).toBe(40_000 + (hash32('A-101') % 25_536));
    expect(allocatePlazaId('A-101', () => false)).toBe(49_321);
  });

  it('probes to the next free id, wrapping from 65535 to 40000, and gives up only when all are taken', () => {
    const [a, b] = COLLIDING;
    expect(preferredPlazaId(a)).toBe(preferredPlazaId(b));
    const taken = new Set([preferredPlazaId(a), preferredPlazaId(a) + 1]);
    expect(allocatePlazaId(b, (id) => taken.has(id))).toBe(preferredPlazaId(a) + 2);

    let last = '';
    for (let i = 0; preferredPlazaId(last) < 65_530; i++) last = `W-${i}`;
    const tail = new Set<number>();
    for (let id = preferredPlazaId(last); id <= ALLOCATED_PLAZA_LAST; id++) tail.add(id);
    expect(allocatePlazaId(last, (id) => tail.has(id))).toBe(ALLOCATED_PLAZA_FIRST);
    expect(allocatePlazaId(last, () => true)).toBeUndefined();
  });
});

describe('PlazaRegistry', () => {
  it('gives registered codes their ids, new codes free ones, and logs each new code once', async () => {
    const { log, entries } = memoryLog();
    const [a, b] = COLLIDING;
    // b was registered first in an earlier run and holds the slot a prefers.
    const registry = await loaded(
      [
        { code: b, plazaId: preferredPlazaId(b) },
        { code: 'A-101', plazaId: 101 },
      ],
      log,
    );
    expect(registry.idFor('A-101')).toBe(101);
    expect(registry.idFor(b)).toBe(preferredPlazaId(b));
    const idA = registry.idFor(a);
    expect(idA).toBe(preferredPlazaId(a) + 1);
    expect(registry.idFor(a)).toBe(idA);
    expect(registry.idFor('B-7')).toBe(preferredPlazaId('B-7'));
    expect(registry.registeredThisRun()).toEqual([
      { code: a, plazaId: idA },
      { code: 'B-7', plazaId: preferredPlazaId('B-7') },
    ]);
    expect(entries.filter((e) => e.level === 'info').map((e) => e.message)).toEqual([
      `plaza code "${a}" registered as id ${idA}`,
      `plaza code "B-7" registered as id ${preferredPlazaId('B-7')}`,
    ]);
  });

  it('takes the latest record of a code that was moved to another id', async () => {
    const registry = await loaded([
      { code: 'A-101', plazaId: 49_321 },
      { code: 'A-101', plazaId: 101 },
    ]);
    expect(registry.idFor('A-101')).toBe(101);
    // The id the code had before still belongs to a plaza record: no new code gets it.
    expect(registry.idFor(COLLIDING[0])).not.toBe(49_321);
  });

  it('never hands out ids pinned by plazaMap or used directly by numeric plaza values', async () => {
    const code = 'A-101';
    const registry = await loaded([]);
    registry.pin('Z-1', preferredPlazaId(code));
    registry.reserve(preferredPlazaId(code) + 1);
    expect(registry.idFor(code)).toBe(preferredPlazaId(code) + 2);
    expect(registry.idFor('Z-1')).toBe(preferredPlazaId(code));
  });

  it('a plazaMap pin wins over the registered id', async () => {
    const { log, entries } = memoryLog();
    const registry = await loaded([{ code: 'A-101', plazaId: 49_321 }], log);
    registry.pin('A-101', 101);
    expect(registry.idFor('A-101')).toBe(101);
    expect(registry.registeredThisRun()).toEqual([]);
    expect(entries.map((e) => e.message)).toContain(
      'plaza code "A-101" pinned to id 101 by plazaMap (registered as 49321)',
    );
  });

  it('refuses to allocate before it is loaded, and a failed load is tried again', async () => {
    let calls = 0;
    const registry = new PlazaRegistry(() => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('Kafka down')) : Promise.resolve([]);
    });
    expect(() => registry.idFor('A-101')).toThrow(/not loaded before plaza "A-101"/);
    await expect(registry.load()).rejects.toThrow('Kafka down');
    expect(registry.loaded).toBe(false);
    await registry.load();
    await registry.load();
    expect(calls).toBe(2);
    expect(registry.idFor('A-101')).toBe(49_321);
  });

  it('refuses a code a plaza record cannot carry, naming it and plazaMap', async () => {
    const registry = await loaded([]);
    const long = 'X'.repeat(33);
    expect(() => registry.idFor(long)).toThrow(
      `plaza "${long}" cannot be registered: a plaza code is 1-32 printable characters; give it an id with plazaMap`,
    );
  });
});

describe('RecordMapper plaza ids', () => {
  it('maps codes whose hashes collide to two ids instead of rejecting the second', () => {
    const m = mapper('plaza=p&vehicle=v&time=t');
    const [a, b] = COLLIDING;
    expect(plazaOf(m, a)).toBe(preferredPlazaId(a));
    expect(plazaOf(m, b)).toBe(preferredPlazaId(a) + 1);
    expect(m.plazas().map((p) => [p.code, p.plazaId])).toEqual([
      [a, preferredPlazaId(a)],
      [b, preferredPlazaId(a) + 1],
    ]);
  });

  it('numeric values are ids, plazaMap wins, and other codes come from the shared registry', async () => {
    const registry = await loaded([{ code: 'B-7', plazaId: 40_007 }]);
    const m = mapper('plaza=p&vehicle=v&time=t&plazaMap=A-101:101', registry);
    expect(plazaOf(m, '42')).toBe(42);
    expect(plazaOf(m, 'A-101')).toBe(101);
    expect(plazaOf(m, 'B-7')).toBe(40_007);
    const other = mapper('plaza=p&vehicle=v&time=t', registry);
    const idA = plazaOf(m, COLLIDING[0]);
    expect(plazaOf(other, COLLIDING[0])).toBe(idA);
    // A pin of one source holds for the other sources of the process.
    expect(plazaOf(other, 'A-101')).toBe(101);
  });

  it('rejects a numeric value naming the id a code of the same data was given', async () => {
    const m = mapper('plaza=p&vehicle=v&time=t');
    const id = plazaOf(m, 'A-101');
    expect(plazaOf(m, String(id))).toMatch(/already used by plaza "A-101"; give it its own id with plazaMap/);
  });
});

describe('file source with a registry', () => {
  it('waits for the registry and keeps the ids registered earlier', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plaza-registry-'));
    const file = path.join(dir, 'a.csv');
    writeFileSync(file, 'p,v,t\nA-101,X1,2024-05-01T00:00Z\nB-7,X2,2024-05-01T00:01Z\n');
    let release: (known: PlazaCode[]) => void = () => {};
    const registry = new PlazaRegistry(() => new Promise((resolve) => (release = resolve)));
    const mapping = 'plaza=p&vehicle=v&time=t';
    const spec = `file:${file}#${mapping}`;
    const s = createFileSource(
      spec,
      parseFileOptions(optionBag(spec, 'file:<path>#<mapping>', mapping), file),
      context({ plazaRegistry: registry }),
    );
    const plazas = s.plazas();
    await new Promise((r) => setTimeout(r, 20));
    release([{ code: 'A-101', plazaId: 40_001 }]);
    expect((await plazas).map((p) => [p.code, p.plazaId])).toEqual([
      ['A-101', 40_001],
      ['B-7', preferredPlazaId('B-7')],
    ]);
    const events: TollEvent[] = (await drain(s)).events;
    expect(events.map((e) => e.passage.plazaId)).toEqual([40_001, preferredPlazaId('B-7')]);
    expect(registry.registeredThisRun()).toEqual([{ code: 'B-7', plazaId: preferredPlazaId('B-7') }]);
  });
});

describe('HTTP source with a registry', () => {
  it('announces each plaza with its registered or newly registered id on the first passage naming it', async () => {
    const items = [
      { booth: 'A-101', plate: 'P1', at: '2024-05-01T08:00:00Z' },
      { booth: COLLIDING[1], plate: 'P2', at: '2024-05-01T08:00:01Z' },
      { booth: 'A-101', plate: 'P3', at: '2024-05-01T08:00:02Z' },
    ];
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(items));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const url = `http://127.0.0.1:${port}/api`;
      const options = 'once=true&plaza=booth&vehicle=plate&time=at';
      const spec = `${url}#${options}`;
      // COLLIDING[0] holds the slot COLLIDING[1] prefers; A-101 was registered earlier with another id.
      const registry = new PlazaRegistry(() =>
        Promise.resolve([
          { code: 'A-101', plazaId: 40_001 },
          { code: COLLIDING[0], plazaId: preferredPlazaId(COLLIDING[0]) },
        ]),
      );
      const source = createHttpSource(
        spec,
        parseHttpOptions(optionBag(spec, 'http:<url>', options), url),
        context({ plazaRegistry: registry, stateDir: mkdtempSync(path.join(tmpdir(), 'plaza-http-')) }),
      );
      const { events } = await drain(source);
      const idB = preferredPlazaId(COLLIDING[0]) + 1;
      expect(events.map((e) => [e.passage.plazaId, e.plaza?.code, e.plaza?.plazaId])).toEqual([
        [40_001, 'A-101', 40_001],
        [idB, COLLIDING[1], idB],
        [40_001, undefined, undefined],
      ]);
      expect(registry.registeredThisRun()).toEqual([{ code: COLLIDING[1], plazaId: idB }]);
    } finally {
      server.close();
    }
  });
});

describe('merging the plaza topic with the plazas table', () => {
  it('adds what only the table holds, and the topic wins where they disagree', () => {
    const { log, entries } = memoryLog();
    const merged = mergePlazaSources(
      [{ code: 'A-101', plazaId: 40_001, at: 5 }],
      [
        { code: 'OLD', plazaId: 40_001, at: 1 },
        { code: 'B-7', plazaId: 40_002, at: 2 },
      ],
      log,
    );
    expect(merged).toEqual([
      { code: 'B-7', plazaId: 40_002 },
      { code: 'A-101', plazaId: 40_001 },
    ]);
    expect(entries.find((e) => e.level === 'warn')?.message).toMatch(
      /name 1 plaza ids differently \(e\.g\. 40001: "OLD" in MySQL, "A-101" on the topic\)/,
    );
  });
});
