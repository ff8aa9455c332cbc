import type { Client } from 'ldapts';
import { MxdirError } from '../errors.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import { isTransient, reasonOf } from './ldap-errors.js';

/**
 * The sync's own LDAP connection (reads, the lock), reopened when it breaks. `run` retries a step
 * that failed transiently (connection refused or reset, busy, unavailable) on a fresh connection,
 * with backoff; `drop` closes the connection at once, which makes any request on it fail (used to
 * abandon a step on SIGTERM).
 */
export class LdapSession {
  #client: Client | null = null;

  constructor(
    private readonly open: () => Promise<Client>,
    private readonly policy: RetryPolicy,
    private readonly onRetry?: (line: string) => void,
  ) {}

  /** The current connection, opened if needed (no retry). */
  async client(): Promise<Client> {
    this.#client ??= await this.open();
    return this.#client;
  }

  /** Runs `step` on a bound connection; `what` names it in retry notes. */
  run<T>(what: string, step: (client: Client) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetries(
      async () => {
        const client = await this.client();
        try {
          return await step(client);
        } catch (err) {
          if (isTransient(err) && this.#client === client) this.drop();
          throw err;
        }
      },
      {
        ...this.policy,
        isTransient,
        signal,
        // A DirectoryError already says what failed and where.
        onRetry: (attempt, ms, err) =>
          this.onRetry?.(`${err instanceof MxdirError ? err.message : `${what}: ${reasonOf(err)}`}; retry ${attempt - 1} of ${this.policy.retries} in ${ms} ms`),
      },
    );
  }

  /** Closes the connection without waiting; the next step opens a new one. */
  drop(): void {
    const client = this.#client;
    this.#client = null;
    void client?.unbind().catch(() => undefined);
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    await client?.unbind().catch(() => undefined);
  }
}
