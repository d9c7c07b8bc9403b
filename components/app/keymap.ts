/** Every key the monitor understands, in one place: the help overlay renders this list. */

export interface KeyHelp {
  keys: string;
  what: string;
}

export interface KeySection {
  title: string;
  keys: KeyHelp[];
}

export const KEYMAP: KeySection[] = [
  {
    title: 'Everywhere',
    keys: [
      { keys: 'Tab Shift-Tab', what: 'next / previous pane' },
      { keys: '1-5', what: 'jump to pane 1…5' },
      { keys: ':', what: 'focus the SQL prompt' },
      { keys: 'F1-F12', what: 'run a saved query' },
      { keys: '?', what: 'this help' },
      { keys: 'l', what: 'log: warnings, errors' },
      { keys: 'q Ctrl-C', what: 'quit (flush, commit)' },
    ],
  },
  {
    title: '1 Producers',
    keys: [
      { keys: '↑ ↓ k j', what: 'select a producer' },
      { keys: 'space', what: 'start / stop selected' },
      { keys: 's S', what: 'start all / stop all' },
      { keys: '+ -', what: 'rate ±25%, replay ×2 ÷2' },
      { keys: 'n', what: 'add a producer (source)' },
    ],
  },
  {
    title: '2 Consumer lag',
    keys: [
      { keys: 'o', what: 'cycle sort, problems 1st' },
      { keys: '↑ ↓ PgUp PgDn', what: 'scroll' },
    ],
  },
  {
    title: '3 Live vehicles',
    keys: [
      { keys: 'p', what: 'pause / resume the tail' },
      { keys: '/', what: 'filter: plaza id or type' },
      { keys: 'Esc', what: 'clear the filter' },
    ],
  },
  {
    title: '4 Plaza throughput',
    keys: [{ keys: '[ ] PgUp PgDn', what: 'page through plazas' }],
  },
  {
    title: '5 SQL (read-only)',
    keys: [
      { keys: 'Enter', what: 'run once it ends with ;' },
      { keys: '↑ ↓', what: 'history (persisted)' },
      { keys: 'PgUp PgDn', what: 'page the result' },
      { keys: 'Ctrl-C', what: 'cancel query, clear line' },
      { keys: 'Esc', what: 'close result / leave' },
    ],
  },
  {
    title: 'a Anomalies',
    keys: [
      { keys: '↑ ↓ PgUp PgDn', what: 'select a finding' },
      { keys: 'Enter', what: 'its vehicle/plaza → SQL' },
      { keys: 'p', what: "plaza's findings → SQL" },
      { keys: 'Esc a', what: 'close' },
    ],
  },
];

/** Sections of the help in two columns, split where the line counts balance best. */
export function helpColumns(sections: readonly KeySection[] = KEYMAP): [KeySection[], KeySection[]] {
  const lines = (ss: readonly KeySection[]): number => ss.reduce((n, s) => n + 1 + s.keys.length, 0);
  let best = 1;
  for (let i = 1; i < sections.length; i++) {
    const diff = Math.abs(lines(sections.slice(0, i)) - lines(sections.slice(i)));
    if (diff < Math.abs(lines(sections.slice(0, best)) - lines(sections.slice(best)))) best = i;
  }
  return [sections.slice(0, best), sections.slice(best)];
}
