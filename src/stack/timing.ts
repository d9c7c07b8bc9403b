/** Small time helpers for the launcher: the "(1.2 s)" durations in progress lines. */

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function stopwatch(): () => number {
  const t0 = performance.now();
  return () => performance.now() - t0;
}
