import { describe, expect, it } from 'vitest';
import { formatCsv, formatJson, formatTable, parseFormat, uniqueNames } from '../../../src/query/format.ts';
import type { QueryColumn } from '../../../src/query/outcome.ts';

const col = (name: string, numeric = false): QueryColumn => ({
  name,
  type: numeric ? 'INT' : 'VARCHAR',
  numeric,
});

describe('CSV (RFC 4180)', () => {
  it('quotes fields with commas, quotes or line breaks, doubles quotes, ends records with CRLF', () => {
    const csv = formatCsv(
      [col('vehicle_id'), col('note'), col('n', true)],
      [
        ['v1', 'plain', 1],
        ['v,2', 'say "hi"', null],
        ['v3', 'two\nlines', 3],
      ],
    );
    expect(csv).toBe('vehicle_id,note,n\r\nv1,plain,1\r\n"v,2","say ""hi""",\r\nv3,"two\nlines",3\r\n');
  });

  it('writes dates as ISO 8601 UTC and BIGINT strings as they are', () => {
    expect(
      formatCsv(
        [col('at'), col('offset', true)],
        [[new Date(Date.UTC(2021, 7, 19, 21, 54, 38)), '9007199254740993']],
      ),
    ).toBe('at,offset\r\n2021-08-19T21:54:38.000Z,9007199254740993\r\n');
  });
});

describe('JSON', () => {
  it('is an array of objects; duplicate column names stay apart; dates ISO; bytes hex', () => {
    const json = JSON.parse(
      formatJson(
        [col('id', true), col('id', true), col('at'), col('raw')],
        [[1, '12345678901234567890', new Date(0), Buffer.from([0xca, 0xfe])]],
      ),
    );
    expect(json).toEqual([
      { id: 1, id_2: '12345678901234567890', at: '1970-01-01T00:00:00.000Z', raw: '0xcafe' },
    ]);
    expect(uniqueNames([col('a'), col('a'), col('a')])).toEqual(['a', 'a_2', 'a_3']);
  });
});

describe('table', () => {
  it('pads columns, right-aligns numbers, spells NULL, shows control characters', () => {
    const out = formatTable(
      [col('plaza_id', true), col('name'), col('passages', true)],
      [
        [4000, 'Plaza 4000', '12'],
        [4001, null, '1234'],
        [4002, 'a\tb\nc', '7'],
      ],
    );
    expect(out).toBe(
      [
        'plaza_id | name       | passages',
        '---------+------------+---------',
        '    4000 | Plaza 4000 |       12',
        '    4001 | NULL       |     1234',
        '    4002 | a\\tb\\nc    |        7',
        '',
      ].join('\n'),
    );
  });

  it('cuts values wider than the limit with an ellipsis', () => {
    const out = formatTable([col('v')], [['x'.repeat(20)]], { maxWidth: 8 });
    expect(out.split('\n')[2]).toBe('xxxxxxx…');
  });

  it('has a header even with no rows', () => {
    expect(formatTable([col('a'), col('bb')], [])).toBe('a | bb\n--+---\n');
  });
});

describe('format flag', () => {
  it('defaults to table and refuses unknown formats', () => {
    expect(parseFormat(undefined)).toBe('table');
    expect(parseFormat('CSV')).toBe('csv');
    expect(parseFormat('xml')).toBeNull();
  });
});
