import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSource, describeSources, SourceSpecError } from '../../../src/sources/index.ts';
import { OptionBag } from '../../../src/sources/options.ts';
import { parseSimulatorOptions } from '../../../src/sources/simulator.ts';
import { parseFileOptions } from '../../../src/sources/file.ts';
import { parseHttpOptions } from '../../../src/sources/http.ts';
import { context, drain, expectAllValid, FASTAG_FILE, MTA_FILE, TOLLDATA_DIR } from './helpers.ts';

const ctx = context({ stateDir: mkdtempSync(path.join(tmpdir(), 'index-state-')) });

function specError(spec: string, options?: Record<string, unknown>): SourceSpecError {
  try {
    createSource(spec, ctx, options);
  } catch (e) {
    expect(e).toBeInstanceOf(SourceSpecError);
    return e as SourceSpecError;
  }
  throw new Error(`createSource("${spec}") did not throw`);
}

describe('createSource', () => {
  it('creates each kind from its spec form', () => {
    const cases: [string, string, boolean][] = [
      ['simulator', 'simulator', false],
      ['simulator:seed=1&scenario=rush-hour', 'simulator', false],
      [`tolldata:${TOLLDATA_DIR}`, 'tolldata', true],
      [`hourly:${MTA_FILE}`, 'hourly', true],
      [`hourly:${MTA_FILE}#plaza=27`, 'hourly', true],
      [
        `file:${FASTAG_FILE}#plaza=TollBoothID&vehicle=Vehicle_Plate_Number&time=Timestamp&timeFormat=DD-MM-YY HH:mm|M/D/YYYY HH:mm`,
        'file',
        true,
      ],
      ['http://127.0.0.1:9/resource/qzve-kjga.json', 'http', false],
      ['http:https://data.ny.gov/resource/qzve-kjga.json#once=true', 'http', true],
    ];
    for (const [spec, kind, finite] of cases) {
      const source = createSource(spec, ctx);
      expect([source.kind, source.finite, source.spec]).toEqual([kind, finite, spec]);
    }
  });

  it('takes the file mapping from a config object, the spec suffix winning', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'index-'));
    const file = path.join(dir, 'x.csv');
    writeFileSync(file, 'booth,plate,at\n5,AB1,2024-05-01T00:00:00Z\n');
    const source = createSource(`file:${file}#plaza=booth`, ctx, {
      plaza: 'nope',
      vehicle: 'plate',
      time: 'at',
    });
    const { events } = await drain(source);
    expect(events.map((e) => [e.passage.plazaId, e.passage.vehicleId])).toEqual([[5, 'AB1']]);
    expectAllValid(events);
  });

  it('treats http:<url> and a bare URL alike, and keeps the fragment for options', () => {
    const a = createSource('http:http://127.0.0.1:9/resource/qzve-kjga.json#once=true', ctx);
    const b = createSource('http://127.0.0.1:9/resource/qzve-kjga.json#once=true', ctx);
    expect([a.finite, b.finite]).toEqual([true, true]);
  });

  it('throws a SourceSpecError naming the spec and the expected form', () => {
    expect(specError('kafka:x').message).toBe(
      'bad source "kafka:x": "kafka" is not a kind of source; expected one of simulator[:<options>], tolldata:<dir>, hourly:<file>, http:<url> (or an http(s):// URL), file:<path>#<mapping>',
    );
    expect(specError('').message).toMatch(/it is empty/);
    expect(specError('tolldata:').message).toMatch(
      /no directory given; expected tolldata:<dir> with vehicle-data.csv/,
    );
    expect(specError('tolldata:/no/such/dir').message).toMatch(/\/no\/such\/dir does not exist/);
    expect(specError(`tolldata:${path.dirname(MTA_FILE)}`).message).toMatch(
      /has no vehicle-data.csv, tollplaza-data.tsv, payment-data.txt/,
    );
    expect(specError(`tolldata:${TOLLDATA_DIR}#speed=2`).message).toMatch(/unknown option speed/);
    expect(specError(`hourly:${TOLLDATA_DIR}`).message).toMatch(/is a directory, not a file/);
    expect(specError(`hourly:${MTA_FILE}#plaza=zero`).message).toMatch(/option "plaza" is "zero"/);
    expect(specError('hourly:/no/file.csv').message).toMatch(/does not exist; expected hourly:<file>/);
    expect(specError(`file:${FASTAG_FILE}`).message).toMatch(
      /the mapping needs plaza=<field>; expected file:<path>#plaza=/,
    );
    expect(specError('http:data.ny.gov/resource/x.json').message).toMatch(
      /must start with http:\/\/ or https:\/\//,
    );
    expect(specError('http:ftp://x/y').message).toMatch(/must start with http/);
    expect(specError('https://').message).toMatch(/must start with http/);
    expect(specError('simulator:colour=red').message).toMatch(
      /unknown option colour; expected simulator or simulator:<key=value&...>/,
    );
    expect(specError('http://x/api#plaza=p&vehicle=v').message).toMatch(/the mapping needs time=<field>/);
  });

  it('describes every form for the help text', () => {
    const text = describeSources();
    for (const form of [
      'simulator',
      'tolldata:<dir>',
      'hourly:<file>',
      'http:<url>',
      'file:<path>',
      'rush-hour',
      'plazaMap',
    ]) {
      expect(text).toContain(form);
    }
  });

  it('names in the help text every option each source reads', () => {
    const read = (parse: (bag: OptionBag) => unknown, values: Record<string, unknown>): string[] => {
      const keys = new Set<string>();
      class Recording extends OptionBag {
        override raw(key: string): unknown {
          keys.add(key);
          return super.raw(key);
        }
        override has(key: string): boolean {
          keys.add(key);
          return super.has(key);
        }
      }
      parse(new Recording(values, 'spec', 'form'));
      return [...keys];
    };
    const mapping = { plaza: 'p', vehicle: 'v', time: 't' };
    const options = [
      ...read((bag) => parseSimulatorOptions(bag, 'UTC'), {}),
      ...read((bag) => parseFileOptions(bag, '/tmp/x.csv'), mapping),
      ...read((bag) => parseHttpOptions(bag, 'http://x/api'), mapping),
      ...read((bag) => parseHttpOptions(bag, 'http://x/resource/abcd-1234.json'), {}),
    ];
    expect(options.length).toBeGreaterThan(40);
    const text = describeSources();
    const missing = [...new Set(options)].filter((key) => !new RegExp(`\\b${key}\\b`).test(text));
    expect(missing).toEqual([]);
  });
});
