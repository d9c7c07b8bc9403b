import { describe, expect, it } from 'vitest';
import { importPrefix, prefixRange } from '../../../src/imports/stage-store.ts';
import { newRunId, prepareReplace, replaceUsageProblem } from '../../../src/imports/replace.ts';
import type { RecordSource } from '../../../src/sources/replay-source.ts';
import type { SourceContext, TollSource } from '../../../src/sources/source.ts';
import { createLogger } from '../../../src/util/log.ts';
import { passageEvent } from '../producer/fakes.ts';
import { loadConfig } from '../../../src/config/config.ts';
import type { Config } from '../../../src/config/config.ts';

/** What `event_id >= from AND event_id < to` selects under a binary collation (byte order, as JS compares ASCII). */
const selected = (ids: string[], prefix: string): string[] => {
  const { from, to } = prefixRange(prefix);
  return ids.filter((id) => id >= from && id < to);
};

describe('prefixRange', () => {
  it('selects exactly the ids that start with the prefix', () => {
    const prefix = importPrefix('file-0a1b2c3d4e5f');
    expect(prefix).toBe('file-0a1b2c3d4e5f-');
    expect(prefixRange(prefix)).toEqual({ from: 'file-0a1b2c3d4e5f-', to: 'file-0a1b2c3d4e5f.' });
    const ids = [
      'file-0a1b2c3d4e5f-2',
      'file-0a1b2c3d4e5f-5001',
      'file-0a1b2c3d4e5f-id-TX_17',
      'file-0a1b2c3d4e5f-~',
      'file-0a1b2c3d4e5f-', // the prefix itself sorts first in the range
      // neighbours that must stay
      'file-0a1b2c3d4e5f', // the import id without its dash
      'file-0a1b2c3d4e5f.1',
      'file-0a1b2c3d4e5f_1', // '_' is a LIKE wildcard; here it is just a character above '-'
      'file-0a1b2c3d4e5fa-1', // a longer import id sharing the start
      'file-0a1b2c3d4e5e-9', // the import id just below
      'file-0a1b2c3d4e60-1', // and just above
      'sim-4007-000000123',
      'FILE-0a1b2c3d4e5f-2', // case counts under ascii_bin
    ];
    expect(selected(ids, prefix).sort()).toEqual(
      [
        'file-0a1b2c3d4e5f-',
        'file-0a1b2c3d4e5f-2',
        'file-0a1b2c3d4e5f-5001',
        'file-0a1b2c3d4e5f-id-TX_17',
        'file-0a1b2c3d4e5f-~',
      ].sort(),
    );
    for (const id of ids) expect(selected([id], prefix).length === 1).toBe(id.startsWith(prefix));
  });

  it('raises the last character of any printable prefix, and refuses what an id cannot hold', () => {
    expect(prefixRange('a')).toEqual({ from: 'a', to: 'b' });
    expect(prefixRange('fastag:')).toEqual({ from: 'fastag:', to: 'fastag;' });
    expect(prefixRange('x~')).toEqual({ from: 'x~', to: 'x\x7f' });
    expect(selected(['x~', 'x~~~', 'x}', 'y'], 'x~')).toEqual(['x~', 'x~~~']);
    expect(() => prefixRange('')).toThrow(/printable ASCII/);
    expect(() => prefixRange('file ab-')).toThrow(/"file ab-"/);
    expect(() => prefixRange('fileé-')).toThrow(/printable ASCII/);
  });
});

describe('replaceUsageProblem', () => {
  const run = (over: Partial<Config['run']>): Config['run'] => ({
    ...loadConfig({}, {}, process.cwd()).run,
    sources: ['file:/tmp/a.csv#plaza=p&vehicle=v&time=t'],
    ...over,
  });

  it('takes one source in role all over the whole file', () => {
    expect(replaceUsageProblem(run({}))).toBeNull();
    expect(replaceUsageProblem(run({ role: 'producer' }))).toMatch(
      /needs --role all:.*\(got --role producer\)/,
    );
    expect(replaceUsageProblem(run({ role: 'consumer' }))).toMatch(/got --role consumer/);
    expect(replaceUsageProblem(run({ sources: ['file:a.csv', 'file:b.csv'] }))).toMatch(
      /exactly one --source .*got 2: file:a\.csv, file:b\.csv/,
    );
    expect(replaceUsageProblem(run({ events: 10 }))).toMatch(/drop --events 10/);
    expect(replaceUsageProblem(run({ from: Date.UTC(2023, 0, 1) }))).toMatch(/drop --from\/--to/);
    expect(replaceUsageProblem(run({ to: Date.UTC(2023, 0, 1) }))).toMatch(/drop --from\/--to/);
  });
});

describe('newRunId', () => {
  it('starts with the time, sorts by it, and differs between runs started together', () => {
    const at = Date.UTC(2026, 11, 2, 12, 45, 0, 123);
    expect(newRunId(at)).toMatch(/^20261202T124500Z-[0-9a-f]{6}$/);
    expect(newRunId(at) < newRunId(at + 1000)).toBe(true);
    expect(new Set(Array.from({ length: 50 }, () => newRunId(at))).size).toBe(50);
  });
});

describe('the source of a replace run', () => {
  const config = (): Config => {
    const c = loadConfig({}, {}, process.cwd());
    return { ...c, run: { ...c.run, sources: ['file:/tmp/a.csv#plaza=p'], replace: true } };
  };
  const ctx: SourceContext = { tz: 'UTC', pace: { kind: 'speed', factor: 'max' }, stateDir: '/tmp' };
  const fileLike = (ids: string[], importId?: string): RecordSource => ({
    kind: 'file',
    spec: 'file:/tmp/a.csv#plaza=p',
    finite: true,
    plazas: () => Promise.resolve([]),
    async *events() {
      yield ids.map((id) => {
        const e = passageEvent(1);
        e.passage.eventId = id;
        return e;
      });
    },
    setPace: () => {},
    getPace: () => ({ kind: 'speed', factor: 'max' }),
    progress: () => ({ read: ids.length, rejected: 0 }),
    recentRejects: () => [],
    ...(importId ? { importId: () => importId } : {}),
  });
  const wrap = (source: TollSource): TollSource => {
    const replace = prepareReplace(config(), createLogger('test'));
    return replace.producerOptions({ sourceFactory: () => source }).sourceFactory!('file:/tmp/a.csv', ctx);
  };

  it('must be a file: a source without an import identity, or a never-ending one, is a usage error', () => {
    expect(() => wrap(fileLike(['x-1']))).toThrow(
      /--replace replaces the earlier import of a file .*file:\/tmp\/a\.csv is a file source/,
    );
    expect(() => wrap({ ...fileLike(['x-1'], 'file-0a1b2c3d4e5f'), kind: 'http', finite: false })).toThrow(
      /is a never-ending http source/,
    );
    expect(() => wrap(fileLike(['x-1'], 'file-0a1b2c3d4e5f'))).not.toThrow();
  });

  it("stops at the first event id outside the import's prefix, before anything is staged or produced", async () => {
    const source = wrap(fileLike(['fastag-1', 'fastag-2'], 'file-0a1b2c3d4e5f'));
    const it = source.events(new AbortController().signal)[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow(
      /start with "file-0a1b2c3d4e5f-"; passage fastag-1 does not .*drop it to replace this file/,
    );
  });

  it('keeps everything else of the source as it was', () => {
    const inner = fileLike(['file-0a1b2c3d4e5f-2'], 'file-0a1b2c3d4e5f');
    const source = wrap(inner) as RecordSource;
    expect([source.kind, source.spec, source.finite]).toEqual(['file', inner.spec, true]);
    expect(source.progress()).toEqual({ read: 1, rejected: 0 });
    expect(source.importId!()).toBe('file-0a1b2c3d4e5f');
    expect(source.events).not.toBe(inner.events);
  });
});
