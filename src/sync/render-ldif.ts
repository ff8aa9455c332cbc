import { ldifLine } from './ldif.js';
import type { Plan } from './plan.js';

/**
 * The plan as RFC 2849 change records, in plan order, so that `ldapmodify -f` run by the directory's
 * own tools reaches exactly the state a sync would.
 */
export function renderLdif(plan: Plan): string {
  const header = [`# mxdir plan for ${plan.baseDN}: ${plan.operations.length} change record(s)`];
  for (const r of plan.refusals) header.push(`# REFUSED by mxdir's guards: ${r}`);
  const records: string[] = [`${header.join('\n')}\nversion: 1`];
  for (const op of plan.operations) {
    const lines = [ldifLine('dn', op.dn), `changetype: ${op.op}`];
    if (op.op === 'add') {
      for (const [name, values] of Object.entries(op.attributes)) for (const v of values) lines.push(ldifLine(name, v));
    } else if (op.op === 'modify') {
      for (const change of op.changes) {
        lines.push(`${change.operation}: ${change.attribute}`);
        for (const v of change.values) lines.push(ldifLine(change.attribute, v));
        lines.push('-');
      }
    }
    records.push(lines.join('\n'));
  }
  return records.join('\n\n') + '\n';
}
