/** Small time helpers for the launcher: bounded waits and the "(1.2 s)" durations in progress lines. */

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Rejects with TimeoutError when `promise` takes longer than `ms`; `onTimeout` releases what it holds. */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          onTimeout?.();
          reject(new TimeoutError(what, ms));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function stopwatch(): () => number {
  const t0 = performance.now();
  return () => performance.now() - t0;
}
