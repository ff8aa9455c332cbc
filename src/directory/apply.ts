import { AlreadyExistsError, Attribute, Change, NoSuchObjectError, type Client, type Control } from 'ldapts';
import type { Operation } from '../sync/plan.js';

/** What one operation did. `reconciled`: an add found its entry there, a delete found it gone. */
export type Outcome = 'added' | 'modified' | 'deleted' | 'reconciled';

/**
 * Sends one operation. Without a transaction control, an add that finds its entry already there or
 * a delete that finds it gone is reconciled rather than fatal, so a sync killed part-way is completed
 * by the next one. Inside a transaction slapd reports such failures only at commit.
 */
export async function applyOne(client: Client, op: Operation, control?: Control): Promise<Outcome> {
  switch (op.op) {
    case 'add':
      try {
        await client.add(op.dn, Object.entries(op.attributes).map(([type, values]) => new Attribute({ type, values: [...values] })), control);
        return 'added';
      } catch (err) {
        if (control || !(err instanceof AlreadyExistsError)) throw err;
        return 'reconciled';
      }
    case 'modify':
      await client.modify(
        op.dn,
        op.changes.map((c) => new Change({ operation: c.operation, modification: new Attribute({ type: c.attribute, values: [...c.values] }) })),
        control,
      );
      return 'modified';
    case 'delete':
      try {
        await client.del(op.dn, control);
        return 'deleted';
      } catch (err) {
        if (control || !(err instanceof NoSuchObjectError)) throw err;
        return 'reconciled';
      }
  }
}
