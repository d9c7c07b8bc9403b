import { describe, expect, test } from 'vitest';
import { decodeInput, keyLabel } from '../../../components/keys/decode.ts';

describe('decodeInput', () => {
  test('plain text arrives as one key per character', () => {
    expect(decodeInput('sq').map(keyLabel)).toEqual(['s', 'q']);
  });

  test('control characters become named keys or Ctrl-letters', () => {
    expect(decodeInput('\r')).toEqual([{ kind: 'named', name: 'enter' }]);
    expect(decodeInput('\t')).toEqual([{ kind: 'named', name: 'tab' }]);
    expect(decodeInput('\x7f')).toEqual([{ kind: 'named', name: 'backspace' }]);
    expect(decodeInput('\x03')).toEqual([{ kind: 'ctrl', letter: 'c' }]);
    expect(decodeInput('a\r\nb').map(keyLabel)).toEqual(['a', 'enter', 'b']);
  });

  test('escape sequences for arrows, paging, home/end, delete and back-tab', () => {
    const names = [
      '\x1b[A',
      '\x1bOB',
      '\x1b[C',
      '\x1b[D',
      '\x1b[5~',
      '\x1b[6~',
      '\x1b[H',
      '\x1b[4~',
      '\x1b[3~',
      '\x1b[Z',
      '\x1b',
    ];
    expect(names.map((s) => keyLabel(decodeInput(s)[0]!))).toEqual([
      'up',
      'down',
      'right',
      'left',
      'pageup',
      'pagedown',
      'home',
      'end',
      'delete',
      'backtab',
      'escape',
    ]);
  });

  test('function keys in xterm, vt220 and linux console forms', () => {
    expect(decodeInput('\x1bOP')).toEqual([{ kind: 'fn', n: 1 }]);
    expect(decodeInput('\x1bOS')).toEqual([{ kind: 'fn', n: 4 }]);
    expect(decodeInput('\x1b[15~')).toEqual([{ kind: 'fn', n: 5 }]);
    expect(decodeInput('\x1b[17~')).toEqual([{ kind: 'fn', n: 6 }]);
    expect(decodeInput('\x1b[24~')).toEqual([{ kind: 'fn', n: 12 }]);
    expect(decodeInput('\x1b[[C')).toEqual([{ kind: 'fn', n: 3 }]);
    expect(decodeInput('\x1b[1;2P')).toEqual([{ kind: 'fn', n: 1 }]);
  });

  test('Esc twice in one chunk is two presses', () => {
    expect(decodeInput('\x1b\x1b').map(keyLabel)).toEqual(['escape', 'escape']);
  });

  test('anything else is reported as unknown, not guessed', () => {
    expect(decodeInput('\x1b[99~')[0]!.kind).toBe('unknown');
  });
});
