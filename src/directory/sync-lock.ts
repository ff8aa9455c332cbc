import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AlreadyExistsError, Attribute, Change, NoSuchObjectError, type Client } from 'ldapts';
import { sleep } from '../retry.js';
import { ExitCode, MxdirError } from '../errors.js';
import { AssertionControl, isAssertionFailed } from './assertion-control.js';
import { childDn } from './dn.js';
import { directoryError, isTransient } from './ldap-errors.js';
import type { LdapSession } from './session.js';

// One sync at a time per tree, whichever host it runs on: the lock is an entry in the directory
// itself (cn=mxdir-lock,<baseDN>). Adding an entry is atomic, so only one publisher can create it.
// The holder refreshes a heartbeat; a lock whose heartbeat is old, or whose holder process on this
// host is gone (a sync killed with SIGKILL), is stale and is taken over, atomically, with an
// assertion that it is still the stale lock that was read.

export const LOCK_RDN = 'mxdir-lock';

export interface LockHolder {
  readonly host: string;
  readonly pid: number;
  readonly since: string;
  readonly heartbeat: string;
  readonly token: string;
}

export class LockedError extends MxdirError {
  constructor(message: string) {
    super(message, ExitCode.locked);
  }
}

export interface LockOptions {
  /** Seconds to wait for another sync to finish before giving up (0: give up at once). */
  readonly waitSeconds: number;
  /** Seconds without a heartbeat after which a lock counts as abandoned. */
  readonly staleSeconds: number;
  /** Seconds between heartbeats. */
  readonly heartbeatSeconds: number;
  /** Told once when this sync starts waiting for another. */
  readonly onWait?: (holder: string) => void;
  /** Told when a stale lock is taken over. */
  readonly onTakeover?: (holder: string) => void;
  /** Identity used in the lock; defaults to this host name. */
  readonly host?: string;
  /** Ends the wait (SIGTERM): acquire then rejects with `Aborted`. */
  readonly signal?: AbortSignal;
}

export class SyncLock {
  #holder: LockHolder;
  #timer: NodeJS.Timeout | null = null;
  #beating: Promise<void> | null = null;
  #lost = false;

  private constructor(
    private readonly session: LdapSession,
    readonly dn: string,
    holder: LockHolder,
  ) {
    this.#holder = holder;
  }

  /** True once another process has taken the lock over: stop writing. */
  get lost(): boolean {
    return this.#lost;
  }

  static async acquire(session: LdapSession, baseDN: string, options: LockOptions): Promise<SyncLock> {
    const dn = childDn('cn', LOCK_RDN, baseDN);
    const deadline = Date.now() + options.waitSeconds * 1000;
    let told = false;
    for (;;) {
      const now = new Date().toISOString();
      const holder: LockHolder = { host: options.host ?? hostname(), pid: process.pid, since: now, heartbeat: now, token: randomBytes(8).toString('hex') };
      const taken = await session.run(
        'take the sync lock',
        async (client) => {
          try {
            await client.add(dn, [
              new Attribute({ type: 'objectClass', values: ['organizationalRole'] }),
              new Attribute({ type: 'cn', values: [LOCK_RDN] }),
              new Attribute({ type: 'description', values: [JSON.stringify(holder)] }),
            ]);
            return true;
          } catch (err) {
            if (err instanceof AlreadyExistsError) return false;
            throw isTransient(err) ? err : directoryError(`take the sync lock ${dn}`, err);
          }
        },
        options.signal,
      );
      const current = taken ? null : await session.run('read the sync lock', (client) => readLock(client, dn), options.signal);
      // An add retried after a lost connection may find the lock it made itself.
      if (taken || current?.holder?.token === holder.token) {
        const lock = new SyncLock(session, dn, holder);
        lock.#startHeartbeat(options.heartbeatSeconds);
        return lock;
      }
      if (current === null) continue; // released meanwhile
      const who = describe(current.holder, current.raw);
      if (current.holder && isStale(current.holder, options.staleSeconds, options.host ?? hostname())) {
        options.onTakeover?.(who);
        await session.run(
          'take over the stale sync lock',
          async (client) => {
            try {
              await client.del(dn, new AssertionControl('description', current.raw));
            } catch (err) {
              if (err instanceof NoSuchObjectError || isAssertionFailed(err)) return;
              throw isTransient(err) ? err : directoryError(`take over the stale sync lock ${dn}`, err);
            }
          },
          options.signal,
        );
        continue;
      }
      if (Date.now() >= deadline) {
        throw new LockedError(
          `another sync holds the lock on this tree (${who}); nothing changed. Try again later, or wait for it with --wait-lock SECONDS`,
        );
      }
      if (!told) options.onWait?.(who);
      told = true;
      await sleep(Math.min(2000, Math.max(100, deadline - Date.now())), options.signal);
    }
  }

  #startHeartbeat(seconds: number): void {
    this.#timer = setInterval(() => {
      this.#beating ??= this.#beat().finally(() => (this.#beating = null));
    }, seconds * 1000);
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    const next = { ...this.#holder, heartbeat: new Date().toISOString() };
    try {
      const client = await this.session.client();
      await client.modify(
        this.dn,
        [new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: [JSON.stringify(next)] }) })],
        new AssertionControl('description', JSON.stringify(this.#holder)),
      );
      this.#holder = next;
    } catch (err) {
      if (isAssertionFailed(err) || err instanceof NoSuchObjectError) this.#lost = true;
      // Other failures (a slow server) are retried at the next beat.
    }
  }

  /** Deletes the lock if it is still ours (on a fresh connection if the last one broke). */
  async release(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    // A heartbeat in flight changes the value the delete asserts: wait for it, or the lock would be
    // left behind with a fresh heartbeat and block the next sync until it went stale.
    await this.#beating;
    const mine = JSON.stringify(this.#holder);
    try {
      await this.session.run('release the sync lock', async (client) => {
        try {
          await client.del(this.dn, new AssertionControl('description', mine));
        } catch (err) {
          if (!isTransient(err)) return;
          throw err;
        }
      });
    } catch {
      // Still unreachable: a lock left behind goes stale and is taken over next time.
    }
  }
}

async function readLock(client: Client, dn: string): Promise<{ raw: string; holder: LockHolder | null } | null> {
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['description'] });
    const raw = String([searchEntries[0]?.['description'] ?? ''].flat()[0] ?? '');
    try {
      const parsed = JSON.parse(raw) as LockHolder;
      return { raw, holder: typeof parsed.heartbeat === 'string' && typeof parsed.pid === 'number' ? parsed : null };
    } catch {
      return { raw, holder: null };
    }
  } catch (err) {
    if (err instanceof NoSuchObjectError) return null;
    throw directoryError(`read the sync lock ${dn}`, err);
  }
}

/**
 * Abandoned: no heartbeat for `staleSeconds`, or its process on this host no longer exists, or it is
 * this very process (callers have already told their own lock by its token): a process runs one sync
 * at a time, so a lock naming it was left by an earlier run (a service's run that lost LDAP before it
 * could release it) and must not block the next tick until its heartbeat ages out.
 */
export function isStale(holder: LockHolder, staleSeconds: number, thisHost: string): boolean {
  const age = (Date.now() - Date.parse(holder.heartbeat)) / 1000;
  if (!(age < staleSeconds)) return true;
  if (holder.host === thisHost && holder.pid === process.pid) return true;
  if (holder.host === thisHost && holder.pid !== process.pid) {
    try {
      process.kill(holder.pid, 0);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
  return false;
}

function describe(holder: LockHolder | null, raw: string): string {
  if (!holder) return `an entry mxdir cannot read: ${JSON.stringify(raw.slice(0, 80))}; delete it by hand if no sync runs`;
  const age = Math.round((Date.now() - Date.parse(holder.heartbeat)) / 1000);
  return `host ${holder.host}, pid ${holder.pid}, since ${holder.since}, last heartbeat ${age} s ago`;
}
