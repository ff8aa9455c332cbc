import type { Counts, Operation, Plan } from './plan.js';

const SIGN: Readonly<Record<Operation['op'], string>> = { add: '+', delete: '-', modify: '~' };

/**
 * The plan for people: grouped by domain, one `+`/`-`/`~` line per key, conflicts after, and a
 * closing summary line with the counts.
 */
export function renderText(plan: Plan): string {
  const out: string[] = [`mxdir plan for ${plan.baseDN} (owner ${plan.owner})`];
  const base = plan.operations.find((op) => op.kind === 'base');
  if (base) out.push(`${SIGN[base.op]} ${base.dn} (base entry)`);

  const byDomain = new Map<string, { domain?: Operation; keys: Operation[] }>();
  for (const op of plan.operations) {
    if (op.kind === 'base') continue;
    const group = byDomain.get(op.domain) ?? { keys: [] };
    if (op.kind === 'domain') group.domain = op;
    else group.keys.push(op);
    byDomain.set(op.domain, group);
  }
  for (const domain of [...byDomain.keys()].sort()) {
    const group = byDomain.get(domain)!;
    const d = group.domain;
    out.push('');
    out.push(d ? `${SIGN[d.op]} ${domain}  (relay domain ${describe(d)}${from(d, '; from ')})` : `  ${domain}`);
    for (const op of group.keys) {
      const detail = op.op === 'modify' ? changed(op) : from(op, '');
      out.push(`    ${SIGN[op.op]} ${op.key}${detail ? `  ${op.op === 'add' ? `(${detail})` : detail}` : ''}`);
    }
  }
  if (plan.operations.length === 0) out.push('', 'Nothing to change: the directory matches the admin database.');
  if (plan.conflicts.length > 0) {
    out.push('', `Conflicts (${plan.conflicts.length}), left alone:`);
    for (const c of plan.conflicts) out.push(`  ! ${c.key}: ${c.message}`);
  }
  if (plan.refusals.length > 0) {
    out.push('');
    for (const r of plan.refusals) out.push(`REFUSED: ${r}`);
  }
  const s = plan.summary;
  out.push(
    '',
    `Summary: ${counts('+', s.add)}, ${counts('~', s.modify)}, ${counts('-', s.delete)}; ` +
      `published after sync: ${plural(s.after.addresses, 'address', 'addresses')} in ${plural(s.after.domains, 'domain', 'domains')} ` +
      `(now ${s.before.addresses} in ${s.before.domains}).`,
  );
  return out.join('\n') + '\n';
}

/** Provenance of an added entry: `postfixadmin mailbox a@b; hr-file line 3`. */
function from(op: Operation, prefix: string): string {
  return op.op === 'add' && op.sources && op.sources.length > 0 ? prefix + op.sources.join('; ') : '';
}

function describe(op: Operation): string {
  if (op.op === 'add') return 'added';
  if (op.op === 'delete') return 'removed';
  return `changed: ${changed(op)}`;
}

function changed(op: Operation): string {
  if (op.op !== 'modify') return '';
  return op.changes.map((c) => (c.operation === 'delete' ? `${c.attribute} removed` : `${c.attribute}: ${c.values.join(', ')}`)).join('; ');
}

const counts = (sign: string, c: Counts): string =>
  `${sign}${c.addresses} ${c.addresses === 1 ? 'address' : 'addresses'} ${sign}${c.domains} ${c.domains === 1 ? 'domain' : 'domains'}`;

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
