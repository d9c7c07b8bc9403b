/**
 * The part of a Socrata SODA 2.1 endpoint the HTTP source uses, for test servers: `$where` (comparisons joined by
 * AND, in parentheses or not), `$select=count(*)`, `$order=:id`, `$limit`/`$offset`, and a page cap like the real
 * service's. Anything else is a 400, so a query the source builds wrongly fails the test instead of being ignored.
 */

export type Row = Record<string, string>;

export interface SocrataAnswer {
  status: number;
  body: unknown;
}

type Token = { kind: 'word' | 'op' | 'string' | 'paren'; text: string };

function tokens(where: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\()|(\))|('(?:[^']|'')*')|(>=|<=|!=|=|<|>)|([A-Za-z_:][A-Za-z0-9_]*))/y;
  let at = 0;
  while (at < where.length) {
    if (/^\s*$/.test(where.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(where);
    if (!m) throw new Error(`cannot read $where at "${where.slice(at)}"`);
    at = re.lastIndex;
    if (m[1] || m[2]) out.push({ kind: 'paren', text: m[1] ?? m[2]! });
    else if (m[3]) out.push({ kind: 'string', text: m[3].slice(1, -1).replace(/''/g, "'") });
    else if (m[4]) out.push({ kind: 'op', text: m[4] });
    else out.push({ kind: 'word', text: m[5]! });
  }
  return out;
}

/** Compiles `a >= 'x' AND (b < 'y')` into a row predicate. Throws on anything it does not know. */
export function compileWhere(where: string): (row: Row) => boolean {
  const ts = tokens(where);
  let i = 0;
  const peek = (): Token | undefined => ts[i];
  const take = (): Token => {
    const t = ts[i++];
    if (!t) throw new Error(`$where "${where}" ends too early`);
    return t;
  };
  function term(): (row: Row) => boolean {
    const t = take();
    if (t.kind === 'paren' && t.text === '(') {
      const inner = expr();
      const close = take();
      if (close.text !== ')') throw new Error(`$where "${where}": expected )`);
      return inner;
    }
    if (t.kind !== 'word') throw new Error(`$where "${where}": expected a column at "${t.text}"`);
    const op = take();
    const value = take();
    if (op.kind !== 'op' || value.kind !== 'string') {
      throw new Error(`$where "${where}": expected <column> <op> '<value>'`);
    }
    const field = t.text;
    const v = value.text;
    const compare = {
      '>=': (a: string) => a >= v,
      '<=': (a: string) => a <= v,
      '>': (a: string) => a > v,
      '<': (a: string) => a < v,
      '=': (a: string) => a === v,
      '!=': (a: string) => a !== v,
    }[op.text]!;
    return (row) => row[field] !== undefined && compare(row[field]);
  }
  function expr(): (row: Row) => boolean {
    const parts = [term()];
    while (peek()?.kind === 'word' && peek()!.text.toUpperCase() === 'AND') {
      i++;
      parts.push(term());
    }
    return (row) => parts.every((p) => p(row));
  }
  const predicate = expr();
  if (i !== ts.length) throw new Error(`$where "${where}": unexpected "${ts[i]!.text}"`);
  return predicate;
}

/** What a Socrata resource holding `rows` (in :id order) answers to `params`, giving at most `cap` rows a page. */
export function socrataAnswer(rows: readonly Row[], params: URLSearchParams, cap = 50_000): SocrataAnswer {
  const known = new Set(['$where', '$select', '$order', '$limit', '$offset']);
  const unknown = [...params.keys()].filter((k) => !known.has(k));
  if (unknown.length) return { status: 400, body: { message: `unknown parameter ${unknown.join(', ')}` } };
  let matching: readonly Row[] = rows;
  const where = params.get('$where');
  if (where !== null) {
    try {
      matching = rows.filter(compileWhere(where));
    } catch (e) {
      return { status: 400, body: { message: (e as Error).message } };
    }
  }
  const select = params.get('$select');
  if (select !== null) {
    if (select.replace(/\s/g, '') !== 'count(*)')
      return { status: 400, body: { message: `$select ${select}` } };
    return { status: 200, body: [{ count: String(matching.length) }] };
  }
  const order = params.get('$order');
  if (order !== null && order !== ':id') return { status: 400, body: { message: `$order ${order}` } };
  const offset = Number(params.get('$offset') ?? 0);
  const limit = Math.min(Number(params.get('$limit') ?? 1000), cap);
  return { status: 200, body: matching.slice(offset, offset + limit) };
}
