/**
 * A small SQL lexer for what `tollstream query` and the SQL prompt accept: one read-only statement. It skips
 * strings, quoted identifiers and comments, so a keyword inside them never counts. This is the polite first
 * guard with a clear reason; the real guard is the server: a SELECT-only account in a read-only transaction.
 */

export type TokenKind = 'word' | 'string' | 'identifier' | 'variable' | 'placeholder' | 'punct';

export interface Token {
  kind: TokenKind;
  /** Text as written (strings and identifiers with their quotes). */
  text: string;
  start: number;
  end: number;
}

export interface Lexed {
  tokens: Token[];
  /** A MySQL/MariaDB executable comment (`/*! ... *\/`, `/*M! ... *\/`): the server runs its content. */
  executableComment: boolean;
  /** Set when a string, identifier or comment is never closed. */
  unterminated?: string;
}

const WORD = /[A-Za-z0-9_$\u0080-\uffff]/;

/** `namedPlaceholders`: read `:name` as a placeholder (saved queries); otherwise ':' is punctuation. */
export function lex(sql: string, { namedPlaceholders = false } = {}): Lexed {
  const tokens: Token[] = [];
  let executableComment = false;
  let i = 0;
  const n = sql.length;
  const unterminated = (what: string, at: number): Lexed => ({
    tokens,
    executableComment,
    unterminated: `${what} starting at ${position(sql, at)} is never closed`,
  });
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || (c === '-' && next === '-' && (i + 2 >= n || /\s/.test(sql[i + 2]!)))) {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      if (sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!')) executableComment = true;
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) return unterminated('a comment', i);
      i = close + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = closing(sql, i, c);
      if (end === -1) return unterminated(c === '`' ? 'an identifier' : 'a string', i);
      tokens.push({ kind: c === '`' ? 'identifier' : 'string', text: sql.slice(i, end), start: i, end });
      i = end;
    } else if (c === '@') {
      let j = i + 1;
      while (j < n && (sql[j] === '@' || WORD.test(sql[j]!))) j++;
      tokens.push({ kind: 'variable', text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else if (
      namedPlaceholders &&
      c === ':' &&
      next !== undefined &&
      /[A-Za-z_]/.test(next) &&
      sql[i - 1] !== ':'
    ) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      tokens.push({ kind: 'placeholder', text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else if (WORD.test(c)) {
      let j = i + 1;
      while (j < n && WORD.test(sql[j]!)) j++;
      tokens.push({ kind: 'word', text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return { tokens, executableComment };
}

/** Index just past the closing quote; quotes double to escape, and backslash escapes in strings. */
function closing(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    const c = sql[i];
    if (c === '\\' && quote !== '`') i++;
    else if (c === quote) {
      if (sql[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  return -1;
}

function position(sql: string, at: number): string {
  const before = sql.slice(0, at).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** Statements that only read. */
export const READ_STATEMENTS = ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN'] as const;

/**
 * Words that make any statement write, lock or leave the session: refused wherever they appear outside strings.
 * Functions that share a name with a statement (REPLACE(), TRUNCATE()) are not listed; as a statement they are
 * refused by the first-word rule.
 */
const FORBIDDEN: Record<string, string> = {
  INSERT: 'writes rows',
  UPDATE: 'writes rows (or locks them: FOR UPDATE)',
  DELETE: 'deletes rows',
  INTO: 'writes a file or variables (SELECT ... INTO)',
  LOCK: 'takes locks',
  CREATE: 'changes the schema',
  DROP: 'changes the schema',
  ALTER: 'changes the schema',
  RENAME: 'changes the schema',
  GRANT: 'changes privileges',
  REVOKE: 'changes privileges',
  CALL: 'runs a stored procedure',
  LOAD: 'loads data',
};

export type StatementCheck =
  { ok: true; verb: (typeof READ_STATEMENTS)[number]; sql: string } | { ok: false; reason: string };

const ALLOWED = `only ${READ_STATEMENTS.filter((v) => v !== 'DESC').join(', ')} statements run here (read-only)`;

/** Accepts one read-only statement; the returned `sql` has no trailing semicolon. */
export function checkStatement(sql: string): StatementCheck {
  const { tokens, executableComment, unterminated } = lex(sql);
  if (unterminated) return { ok: false, reason: `bad SQL: ${unterminated}` };
  if (executableComment) {
    return { ok: false, reason: 'refused: executable comments (/*! ... */) are not allowed' };
  }
  const semicolon = tokens.findIndex((t) => t.kind === 'punct' && t.text === ';');
  const body = semicolon === -1 ? tokens : tokens.slice(0, semicolon);
  if (semicolon !== -1 && tokens.slice(semicolon + 1).some((t) => !(t.kind === 'punct' && t.text === ';'))) {
    return { ok: false, reason: 'refused: multiple statements; run one statement at a time' };
  }
  const first = body.find((t) => !(t.kind === 'punct' && t.text === '('));
  if (!first) return { ok: false, reason: 'nothing to run: the statement is empty' };
  const verb = first.kind === 'word' ? first.text.toUpperCase() : first.text;
  const allowed = (READ_STATEMENTS as readonly string[]).includes(verb);
  if (!allowed || (first !== body[0] && verb !== 'SELECT' && verb !== 'WITH')) {
    return { ok: false, reason: `refused: ${verb} statements are not allowed; ${ALLOWED}` };
  }
  // Every SHOW only reads, and SHOW CREATE TABLE is a question, not a CREATE.
  for (let i = 0; verb !== 'SHOW' && i < body.length; i++) {
    const t = body[i]!;
    if (t.kind !== 'word') continue;
    const word = t.text.toUpperCase();
    const why = FORBIDDEN[word];
    if (why) return { ok: false, reason: `refused: ${word} ${why}; ${ALLOWED}` };
    const after = body[i + 1];
    if (word === 'FOR' && after?.kind === 'word' && after.text.toUpperCase() === 'SHARE') {
      return { ok: false, reason: `refused: FOR SHARE takes locks; ${ALLOWED}` };
    }
  }
  const end = body.at(-1)!.end;
  return { ok: true, verb: verb as (typeof READ_STATEMENTS)[number], sql: sql.slice(0, end).trim() };
}

/**
 * Turns `:name` placeholders into `?` with the values in order, so parameters travel as bound values and never
 * as SQL text. Throws on a placeholder without a value.
 */
export function bindNamed(
  sql: string,
  values: Readonly<Record<string, unknown>>,
): { sql: string; values: unknown[] } {
  const { tokens, unterminated } = lex(sql, { namedPlaceholders: true });
  if (unterminated) throw new Error(`bad SQL: ${unterminated}`);
  let out = '';
  let from = 0;
  const bound: unknown[] = [];
  for (const t of tokens) {
    if (t.kind !== 'placeholder') continue;
    const name = t.text.slice(1);
    if (!Object.hasOwn(values, name)) throw new Error(`no value for the parameter :${name}`);
    out += `${sql.slice(from, t.start)}?`;
    bound.push(values[name]);
    from = t.end;
  }
  return { sql: out + sql.slice(from), values: bound };
}
