import { expect } from 'chai';
import { BusyError, InvalidCredentialsError, UnavailableError } from 'ldapts';
import { isTransient } from '../../src/directory/ldap-errors.js';
import { DirectoryError } from '../../src/errors.js';
import { Aborted, backoff, sleep, withRetries } from '../../src/retry.js';
import { isTransientSourceError } from '../../src/source/transient.js';

describe('retry: bounded retries with backoff', () => {
  it('doubles the delay from retryDelay and caps it at 30 s', () => {
    const policy = { retries: 10, delay: 0.5 };
    expect([1, 2, 3, 4].map((n) => backoff(policy, n))).to.deep.equal([500, 1000, 2000, 4000]);
    expect(backoff(policy, 10)).to.equal(30_000);
  });

  it('retries a transient failure at most `retries` times, then throws its last error', async () => {
    let calls = 0;
    const told: number[] = [];
    const err = await withRetries(
      async () => {
        calls++;
        throw new Error(`down ${calls}`);
      },
      { retries: 2, delay: 0.001, isTransient: () => true, onRetry: (attempt) => told.push(attempt) },
    ).catch((e: unknown) => e as Error);
    expect(calls).to.equal(3);
    expect(told).to.deep.equal([2, 3]);
    expect((err as Error).message).to.equal('down 3');
  });

  it('never retries a permanent failure', async () => {
    let calls = 0;
    await withRetries(
      async () => {
        calls++;
        throw new Error('bad SQL');
      },
      { retries: 5, delay: 0.001, isTransient: () => false },
    ).catch(() => undefined);
    expect(calls).to.equal(1);
  });

  it('an abort ends a wait at once (else this test would outlive its timeout)', async () => {
    const controller = new AbortController();
    const waiting = sleep(600_000, controller.signal);
    controller.abort();
    expect(await waiting.catch((e: unknown) => e)).to.be.instanceOf(Aborted);
  });

  it('LDAP: busy, unavailable and broken connections are transient, also wrapped; bad credentials are not', () => {
    expect(isTransient(new BusyError())).to.equal(true);
    expect(isTransient(new UnavailableError())).to.equal(true);
    expect(isTransient(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).to.equal(true);
    expect(isTransient(new DirectoryError('read ou=mx: connection reset', undefined, { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }))).to.equal(true);
    expect(isTransient(new DirectoryError('bind: invalid credentials', undefined, { cause: new InvalidCredentialsError() }))).to.equal(false);
  });

  it('admin databases: down, starting, shutting down, out of connections are transient; query errors are not', () => {
    const e = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    for (const code of ['ECONNREFUSED', '57P03', '57P01', '53300', '08006', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'SQLITE_BUSY']) {
      expect(isTransientSourceError(e(code)), code).to.equal(true);
    }
    expect(isTransientSourceError(new Error('Connection terminated unexpectedly'))).to.equal(true);
    for (const code of ['42P01', '42601', 'ER_NO_SUCH_TABLE', 'SQLITE_ERROR', '28P01']) expect(isTransientSourceError(e(code)), code).to.equal(false);
  });
});
