import { AlreadyExistsError, Attribute, Change, NoSuchObjectError, type Client } from 'ldapts';
import type { Operation } from '../sync/plan.js';
import { directoryError } from './ldap-errors.js';

export interface ApplyReport {
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  /** Adds that found the entry there and deletes that found it gone: a previous run got that far. */
  readonly reconciled: number;
}

export interface ApplyHooks {
  /** Called after each operation. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Checked before each operation; when true, stop cleanly (SIGTERM/SIGINT). */
  readonly shouldStop?: () => boolean;
}

/** Raised when applying stops part-way; carries what was applied, for the report. */
export class ApplyInterrupted extends Error {
  constructor(
    readonly report: ApplyReport,
    override readonly cause: unknown,
  ) {
    super('apply interrupted');
  }
}

/**
 * Applies operations one after another in plan order (parents before children on add, children
 * before parents on delete). An add that finds its entry already there, or a delete that finds it
 * gone, is reconciled rather than fatal, so a sync killed part-way is completed by the next one.
 */
export async function applyOperations(client: Client, operations: readonly Operation[], hooks: ApplyHooks = {}): Promise<ApplyReport> {
  const report = { added: 0, modified: 0, deleted: 0, reconciled: 0 };
  let done = 0;
  for (const op of operations) {
    if (hooks.shouldStop?.()) throw new ApplyInterrupted({ ...report }, null);
    try {
      await applyOne(client, op, report);
    } catch (err) {
      throw new ApplyInterrupted({ ...report }, directoryError(`${op.op} ${op.dn}`, err));
    }
    done++;
    hooks.onProgress?.(done, operations.length);
  }
  return report;
}

async function applyOne(
  client: Client,
  op: Operation,
  report: { added: number; modified: number; deleted: number; reconciled: number },
): Promise<void> {
  switch (op.op) {
    case 'add':
      try {
        await client.add(op.dn, Object.entries(op.attributes).map(([type, values]) => new Attribute({ type, values: [...values] })));
        report.added++;
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
        report.reconciled++;
      }
      return;
    case 'modify':
      await client.modify(
        op.dn,
        op.changes.map((c) => new Change({ operation: c.operation, modification: new Attribute({ type: c.attribute, values: [...c.values] }) })),
      );
      report.modified++;
      return;
    case 'delete':
      try {
        await client.del(op.dn);
        report.deleted++;
      } catch (err) {
        if (!(err instanceof NoSuchObjectError)) throw err;
        report.reconciled++;
      }
      return;
  }
}
