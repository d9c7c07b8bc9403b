/**
 * Turns what the terminal sends into key presses. Ink's own `useInput` drops function keys (F1..F12), which the
 * SQL prompt needs for saved queries, so the monitor decodes Ink's raw input events itself. Ink already splits a
 * chunk at escape sequences; plain text may still arrive as a run of characters (paste, tmux send-keys).
 */

export type NamedKey =
  | 'enter'
  | 'tab'
  | 'backtab'
  | 'escape'
  | 'backspace'
  | 'delete'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'pageup'
  | 'pagedown'
  | 'home'
  | 'end';

export type KeyPress =
  | { kind: 'char'; char: string }
  | { kind: 'ctrl'; letter: string }
  | { kind: 'named'; name: NamedKey }
  | { kind: 'fn'; n: number }
  | { kind: 'unknown'; raw: string };

const CSI_LETTER: Record<string, NamedKey | number> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  Z: 'backtab',
  P: 1,
  Q: 2,
  R: 3,
  S: 4,
};

const CSI_TILDE: Record<number, NamedKey | number> = {
  1: 'home',
  3: 'delete',
  4: 'end',
  5: 'pageup',
  6: 'pagedown',
  7: 'home',
  8: 'end',
  11: 1,
  12: 2,
  13: 3,
  14: 4,
  15: 5,
  17: 6,
  18: 7,
  19: 8,
  20: 9,
  21: 10,
  23: 11,
  24: 12,
};

function fromTable(v: NamedKey | number | undefined, raw: string): KeyPress {
  if (v === undefined) return { kind: 'unknown', raw };
  return typeof v === 'number' ? { kind: 'fn', n: v } : { kind: 'named', name: v };
}

const ESCAPE: KeyPress = { kind: 'named', name: 'escape' };

function decodeEscape(seq: string): KeyPress {
  let i = 0;
  while (seq[i] === '\x1b') i++;
  const body = seq.slice(i);
  if (body === '') return ESCAPE;
  // Linux console F1..F5: ESC [ [ A..E
  const linux = /^\[\[([A-E])$/.exec(body);
  if (linux) return { kind: 'fn', n: linux[1]!.charCodeAt(0) - 64 };
  // SS3 (ESC O x) and CSI (ESC [ params final), possibly with modifiers like ESC [ 1 ; 5 A.
  const ss3 = /^O([A-Z])$/.exec(body);
  if (ss3) return fromTable(CSI_LETTER[ss3[1]!], seq);
  const csi = /^\[([0-9;]*)([A-Za-z~])$/.exec(body);
  if (csi) {
    const params = csi[1]!.split(';').filter(Boolean).map(Number);
    if (csi[2] === '~') return fromTable(CSI_TILDE[params[0] ?? -1], seq);
    return fromTable(CSI_LETTER[csi[2]!], seq);
  }
  return { kind: 'unknown', raw: seq };
}

function decodeChar(ch: string): KeyPress {
  const code = ch.codePointAt(0) ?? 0;
  if (ch === '\r' || ch === '\n') return { kind: 'named', name: 'enter' };
  if (ch === '\t') return { kind: 'named', name: 'tab' };
  if (ch === '\x7f' || ch === '\b') return { kind: 'named', name: 'backspace' };
  if (code < 0x20) return { kind: 'ctrl', letter: String.fromCharCode(code + 96) };
  return { kind: 'char', char: ch };
}

/** One Ink input event -> the key presses it holds (several when text arrived in one chunk). */
export function decodeInput(raw: string): KeyPress[] {
  // Esc pressed twice quickly arrives as one event; it is two presses, not Meta-Esc.
  if (raw === '\x1b\x1b') return [ESCAPE, ESCAPE];
  if (raw.startsWith('\x1b')) return [decodeEscape(raw)];
  const out: KeyPress[] = [];
  // "\r\n" from a paste is one line break, not two.
  for (const ch of raw.replace(/\r\n/g, '\n')) out.push(decodeChar(ch));
  return out;
}

/** Short printable name for help text and tests: "F1", "PgDn", "Ctrl-C", "q". */
export function keyLabel(k: KeyPress): string {
  switch (k.kind) {
    case 'char':
      return k.char;
    case 'ctrl':
      return `Ctrl-${k.letter.toUpperCase()}`;
    case 'named':
      return k.name;
    case 'fn':
      return `F${k.n}`;
    case 'unknown':
      return JSON.stringify(k.raw);
    default: {
      const never: never = k;
      return String(never);
    }
  }
}

export const isChar = (k: KeyPress, ...chars: string[]): boolean =>
  k.kind === 'char' && chars.includes(k.char);
export const isNamed = (k: KeyPress, ...names: NamedKey[]): boolean =>
  k.kind === 'named' && names.includes(k.name);
export const isCtrl = (k: KeyPress, letter: string): boolean => k.kind === 'ctrl' && k.letter === letter;
