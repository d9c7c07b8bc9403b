/** Bounded waits: a probe, a connection or a shutdown step that does not answer in time is named in the error. */

export class TimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settles as `work` does, or rejects with TimeoutError once `ms` have passed; `onTimeout` runs first, to release
 * what the work holds. The work itself goes on (nothing here can cancel it); its late outcome is ignored. The
 * timer is cleared as soon as either side settles, so a bounded wait never keeps the process alive.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
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

/**
 * Waits for `work` at most `ms` and never throws: for steps of a shutdown, where one that fails or hangs must not
 * keep the others from running. Says how it ended.
 */
export async function settleWithin(
  work: Promise<unknown> | undefined,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<'done' | 'failed' | 'timeout'> {
  if (!work) return 'done';
  try {
    await withTimeout(work, ms, what, onTimeout);
    return 'done';
  } catch (e) {
    return e instanceof TimeoutError ? 'timeout' : 'failed';
  }
}
