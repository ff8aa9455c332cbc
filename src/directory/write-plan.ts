import type { Client } from 'ldapts';
import type { Operation } from '../sync/plan.js';
import { applyOne, type Outcome } from './apply.js';
import { sleep } from '../retry.js';
import { directoryError, isTransient, reasonOf } from './ldap-errors.js';
import { endTransaction, startTransaction } from './transaction.js';

export interface WriteOptions {
  /** Opens a bound connection; called once per worker, and again after a broken connection. */
  readonly open: () => Promise<Client>;
  /** Parallel connections (each with its own transaction). */
  readonly connections: number;
  /** Operations per transaction. */
  readonly batchSize: number;
  /** Commit batches in RFC 5805 transactions (the server advertises them). */
  readonly transactions: boolean;
  /** Attempts for a batch that hits a transient failure (busy, unavailable, connection lost). */
  readonly retries: number;
  /** Milliseconds before the first retry; doubled each time. */
  readonly retryDelay: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Checked between batches: when true, finish the batch in hand and stop (SIGTERM/SIGINT). */
  readonly shouldStop?: () => boolean;
  /** Said when a batch is retried or falls back to single operations. */
  readonly onNote?: (line: string) => void;
  /**
   * Abandons the batches in hand (a second SIGTERM) after the operation in flight: an open
   * transaction is aborted with End Transaction. Connections are never closed under a transaction's
   * operation or commit: slapd 2.5.13 has been seen to crash then.
   */
  readonly abandon?: AbortSignal;
}

export interface WriteReport {
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  readonly reconciled: number;
  /** Batches that were committed in a transaction. */
  readonly transactions: number;
}

/** Raised when writing stops part-way; carries what was applied, for the report. */
export class WriteInterrupted extends Error {
  constructor(
    readonly report: WriteReport,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : 'interrupted');
  }
}

/**
 * Applies a plan's operations in phases, so parents exist before children are added and children are
 * gone before parents are deleted: base, domain adds, recipient adds and all modifies, recipient
 * deletes, domain deletes. Within a phase the operations are independent: they are cut into batches
 * that several connections work through, each batch one transaction with one operation in flight
 * (without transactions: single operations, a few in flight per connection).
 * A batch whose commit fails was rolled back whole by the server; it is then applied again one
 * operation at a time, reconciling entries that are already there or already gone, so the tree
 * converges within the run.
 */
export async function writePlan(operations: readonly Operation[], options: WriteOptions): Promise<WriteReport> {
  const counts = { added: 0, modified: 0, deleted: 0, reconciled: 0, transactions: 0 };
  const snapshot = (): WriteReport => ({ ...counts });
  const workers: (Client | null)[] = [];
  let done = 0;
  const record = (outcomes: readonly Outcome[]): void => {
    for (const o of outcomes) counts[o]++;
    done += outcomes.length;
    options.onProgress?.(done, operations.length);
  };

  const abandoned = (): void => {
    if (options.abandon?.aborted) throw new Error('abandoned by a second signal');
  };
  try {
    for (const phase of phases(operations)) {
      const batches = chunk(phase, options.transactions ? options.batchSize : Math.max(1, Math.ceil(options.batchSize / 10)));
      let next = 0;
      let failure: unknown = null;
      const worker = async (slot: number): Promise<void> => {
        while (failure === null && next < batches.length) {
          if (options.shouldStop?.()) throw new WriteInterrupted(snapshot(), new Error('stopped by signal'));
          const batch = batches[next++]!;
          record(await withRetries(batch, slot));
        }
      };
      const withRetries = async (batch: readonly Operation[], slot: number): Promise<Outcome[]> => {
        for (let attempt = 1; ; attempt++) {
          try {
            workers[slot] ??= await options.open();
            return await applyBatch(workers[slot]!, batch);
          } catch (err) {
            const client = workers[slot];
            workers[slot] = null;
            await client?.unbind().catch(() => undefined);
            abandoned();
            if (!isTransient(err) || attempt > options.retries) throw err;
            const delay = options.retryDelay * 2 ** (attempt - 1);
            options.onNote?.(`retrying a batch of ${batch.length} in ${delay} ms (retry ${attempt} of ${options.retries}) after: ${reasonOf(err)}`);
            await sleep(delay, options.abandon);
          }
        }
      };
      const applyBatch = async (client: Client, batch: readonly Operation[]): Promise<Outcome[]> => {
        if (!options.transactions) return applyPipelined(client, batch);
        if (batch.length === 1) return applySingly(client, batch);
        // One update in flight, and End Transaction only a pause after the last answer (transaction.ts).
        const txn = await startTransaction(client);
        try {
          for (const op of batch) {
            abandoned();
            await applyOne(client, op, txn.control);
          }
        } catch (err) {
          await endTransaction(client, txn, false).catch(() => undefined);
          if (options.abandon?.aborted) throw err;
          if (isTransient(err)) throw err;
          options.onNote?.(`a transaction of ${batch.length} was refused (${firstLine(err)}); applying it one operation at a time`);
          return applySingly(client, batch);
        }
        try {
          await endTransaction(client, txn, true);
        } catch (err) {
          if (isTransient(err)) throw err;
          options.onNote?.(`a transaction of ${batch.length} failed to commit (${firstLine(err)}) and was rolled back; applying it one operation at a time`);
          return applySingly(client, batch);
        }
        counts.transactions++;
        return batch.map((op) => (op.op === 'add' ? 'added' : op.op === 'modify' ? 'modified' : 'deleted'));
      };
      // Without transactions the operations of a batch are independent single updates: keep a few in
      // flight on the connection so the server never waits for the client between them.
      const applyPipelined = async (client: Client, batch: readonly Operation[]): Promise<Outcome[]> => {
        const outcomes: Outcome[] = [];
        let at = 0;
        const lane = async (): Promise<void> => {
          while (at < batch.length) {
            abandoned();
            const op = batch[at++]!;
            try {
              outcomes.push(await applyOne(client, op));
            } catch (err) {
              at = batch.length; // the other lanes stop after the operation in hand
              if (isTransient(err)) throw err;
              throw directoryError(`${op.op} ${op.dn}`, err);
            }
          }
        };
        const lanes = await Promise.allSettled(Array.from({ length: Math.min(PIPELINE_DEPTH, batch.length) }, lane));
        const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
        if (failed) throw failed.reason;
        return outcomes;
      };
      const applySingly = async (client: Client, batch: readonly Operation[]): Promise<Outcome[]> => {
        const outcomes: Outcome[] = [];
        for (const op of batch) {
          abandoned();
          try {
            outcomes.push(await applyOne(client, op));
          } catch (err) {
            if (isTransient(err)) throw err;
            throw directoryError(`${op.op} ${op.dn}`, err);
          }
        }
        return outcomes;
      };
      const pool = Array.from({ length: Math.min(options.connections, batches.length) }, (_, slot) =>
        worker(slot).catch((err: unknown) => {
          failure ??= err;
        }),
      );
      await Promise.all(pool);
      if (failure !== null) throw failure;
    }
  } catch (err) {
    // Every worker has finished its batch by now: report all of them, not just those done when the stop was seen.
    throw new WriteInterrupted(snapshot(), err instanceof WriteInterrupted ? err.cause : err);
  } finally {
    await Promise.all(workers.map((c) => c?.unbind().catch(() => undefined)));
  }
  return snapshot();
}

/** Single operations in flight per connection without transactions (never inside a transaction). */
const PIPELINE_DEPTH = 8;

const PHASE: Readonly<Record<string, number>> = {
  'add base': 0,
  'add domain': 1,
  'add recipient': 2,
  'modify base': 2,
  'modify domain': 2,
  'modify recipient': 2,
  'delete recipient': 3,
  'delete domain': 4,
  'delete base': 5,
};

/** Operations grouped into phases that must run one after the other. */
function phases(operations: readonly Operation[]): Operation[][] {
  const groups: Operation[][] = [];
  for (const op of operations) (groups[PHASE[`${op.op} ${op.kind}`]!] ??= []).push(op);
  return groups.filter((g) => g.length > 0);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const firstLine = (err: unknown): string => (err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err));
