/**
 * Checks a source spec typed after `n` before it reaches the engine, so a typo gets a message that says what the
 * accepted forms are. The engine's own `add()` still has the last word (a missing file, an unreachable URL).
 */
export const SPEC_FORMS = 'simulator, tolldata:<dir>, hourly:<file>, http:<url>, file:<path>';

export function checkSourceSpec(raw: string): string | null {
  const spec = raw.trim();
  if (!spec) return `type a source: ${SPEC_FORMS}`;
  if (/^simulator(:.*)?$/.test(spec)) return null;
  const m = /^([a-z]+):(.*)$/.exec(spec);
  const kind = m?.[1];
  const arg = (m?.[2] ?? '').trim();
  switch (kind) {
    case 'tolldata':
    case 'hourly':
    case 'file':
      return arg ? null : `"${kind}:" needs a path, e.g. ${kind}:./data`;
    case 'http':
    case 'https': {
      const url = kind === 'https' ? spec : /^https?:\/\//.test(arg) ? arg : `http://${arg}`;
      try {
        new URL(url);
        return null;
      } catch {
        return `"${spec}" is not a valid URL`;
      }
    }
    default:
      return `unknown source "${spec}": expected ${SPEC_FORMS}`;
  }
}
