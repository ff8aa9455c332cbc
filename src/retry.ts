// Bounded retries with exponential backoff, for failures that may pass on their own (a server
// restarting, busy, a connection reset). Used by the LDAP side and the source readers alike.

export interface RetryPolicy {
  /** Attempts after the first one. */
  readonly retries: number;
  /** Seconds before the first retry; doubled each time, at most `MAX_DELAY_SECONDS`. */
  readonly delay: number;
}

export const MAX_DELAY_SECONDS = 30;

/** Milliseconds to wait before retry number `attempt` (1-based). */
export function backoff(policy: RetryPolicy, attempt: number): number {
  return Math.round(Math.min(MAX_DELAY_SECONDS, policy.delay * 2 ** (attempt - 1)) * 1000);
}

/** Raised (as the reason) when an abort signal ends a wait or a retry loop. */
export class Aborted extends Error {
  constructor() {
    super('aborted');
  }
}

/** Waits `ms`; an abort ends the wait at once with `Aborted`. The timer never keeps the process alive past an abort. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new Aborted());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or `Aborted` as soon as `signal` aborts (the promise itself runs on; close what it waits on). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new Aborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export interface RetryOptions extends RetryPolicy {
  /** True for failures worth another attempt. */
  readonly isTransient: (err: unknown) => boolean;
  /** Told before each wait: the attempt about to come (2 = the first retry), the wait and the failure. */
  readonly onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
  readonly signal?: AbortSignal | undefined;
}

/** Runs `attempt` until it succeeds, fails for good, or the retries are used up (then its last error). */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    if (options.signal?.aborted) throw new Aborted();
    try {
      return await attempt(n);
    } catch (err) {
      if (options.signal?.aborted) throw new Aborted();
      if (n > options.retries || !options.isTransient(err)) throw err;
      const delay = backoff(options, n);
      options.onRetry?.(n + 1, delay, err);
      await sleep(delay, options.signal);
    }
  }
}
