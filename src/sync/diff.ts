import { normalizeDn, parseDn, formatDn } from '../directory/dn.js';
import {
  Attr,
  MANAGED_ATTRIBUTES,
  ObjectClass,
  valuesOf,
  wantedBaseEntry,
  type EntryKind,
  type ExistingEntry,
  type WantedEntry,
} from '../directory/layout.js';
import { MxdirError } from '../errors.js';
import {
  PLAN_VERSION,
  type AddOperation,
  type AttributeChange,
  type Conflict,
  type Counts,
  type DeleteOperation,
  type ModifyOperation,
  type Operation,
  type Plan,
} from './plan.js';

export interface DiffInput {
  readonly baseDN: string;
  readonly owner: string;
  /** Domain and recipient entries the desired state calls for. */
  readonly wanted: readonly WantedEntry[];
  /** Every entry under baseDN (baseDN included when it exists). */
  readonly existing: readonly ExistingEntry[];
}

/**
 * The pure heart of mxdir: compares what should be published with what is, and returns the
 * operations that make the directory match. DNs and keys compare case-insensitively; only entries
 * carrying this publisher's ownership marker are ever modified or deleted.
 */
export function diff(input: DiffInput): Plan {
  const owner = input.owner.toLowerCase();
  const isManaged = (e: ExistingEntry): boolean => valuesOf(e, Attr.owner).some((v) => v.toLowerCase() === owner);
  const existing = new Map<string, ExistingEntry>();
  for (const e of input.existing) existing.set(normalizeDn(e.dn), e);

  const adds: AddOperation[] = [];
  const modifies: ModifyOperation[] = [];
  const conflicts: Conflict[] = [];
  const wantedDns = new Set<string>();

  const baseKey = normalizeDn(input.baseDN);
  if (!existing.has(baseKey)) {
    const rdn = parseDn(input.baseDN)[0]?.[0];
    if (!rdn) throw new MxdirError(`ldap.baseDN: "${input.baseDN}" is empty`);
    const base = wantedBaseEntry(input.baseDN, rdn);
    if (typeof base === 'string') throw new MxdirError(`ldap.baseDN: ${input.baseDN} does not exist and ${base}`);
    adds.push(addOperation(base));
  }

  for (const want of input.wanted) {
    const dnKey = normalizeDn(want.dn);
    wantedDns.add(dnKey);
    const have = existing.get(dnKey);
    if (!have) {
      adds.push(addOperation(want));
    } else if (!isManaged(have)) {
      conflicts.push({
        dn: have.dn,
        key: want.key,
        message: `${have.dn} exists without ${Attr.owner}: ${input.owner}; mxdir leaves it alone`,
      });
    } else {
      const changes = attributeChanges(want, have);
      if (changes.length > 0) modifies.push({ op: 'modify', kind: want.kind, dn: have.dn, key: want.key, domain: want.domain, changes });
    }
  }

  conflicts.push(...keyConflicts(input.wanted, input.existing, wantedDns, isManaged));

  // Delete this publisher's domain and recipient entries that are no longer wanted, unless something
  // that stays lives below them (a hand-made entry): a non-leaf cannot be deleted, and must not be.
  const candidates = new Map<string, DeleteOperation>();
  for (const [dnKey, e] of existing) {
    if (dnKey === baseKey || wantedDns.has(dnKey) || !isManaged(e)) continue;
    const kind = kindOf(e);
    if (!kind) continue;
    candidates.set(dnKey, { op: 'delete', kind, dn: e.dn, key: keyOf(e, kind), domain: domainOf(e, kind) });
  }
  const holdsSurvivor = new Set<string>();
  for (const dnKey of existing.keys()) {
    if (candidates.has(dnKey)) continue;
    for (let rdns = parseDn(dnKey).slice(1); rdns.length > 0; rdns = rdns.slice(1)) holdsSurvivor.add(formatDn(rdns));
  }
  const deletes: DeleteOperation[] = [];
  for (const [dnKey, op] of candidates) {
    if (holdsSurvivor.has(dnKey)) {
      conflicts.push({ dn: op.dn, key: op.key, message: `${op.dn} is no longer wanted but holds entries mxdir does not manage; kept` });
    } else {
      deletes.push(op);
    }
  }

  adds.sort(byKindThenKey(['base', 'domain', 'recipient']));
  modifies.sort(byKindThenKey(['base', 'domain', 'recipient']));
  deletes.sort(byKindThenKey(['recipient', 'domain', 'base']));
  conflicts.sort((a, b) => compare(a.key, b.key) || compare(a.dn, b.dn));

  const operations: Operation[] = [...adds, ...modifies, ...deletes];
  const before = countManaged(input.existing, isManaged);
  const added = count(adds);
  const deleted = count(deletes);
  return {
    version: PLAN_VERSION,
    baseDN: input.baseDN,
    owner: input.owner,
    operations,
    conflicts,
    refusals: [],
    summary: {
      add: added,
      modify: count(modifies),
      delete: deleted,
      before,
      after: {
        domains: before.domains + added.domains - deleted.domains,
        addresses: before.addresses + added.addresses - deleted.addresses,
      },
    },
  };
}

function addOperation(want: WantedEntry): AddOperation {
  const attributes: Record<string, readonly string[]> = {
    [Attr.objectClass]: want.objectClasses,
    [want.rdn.type]: [want.rdn.value],
  };
  for (const [name, values] of Object.entries(want.attributes)) if (values.length > 0) attributes[name] = values;
  return { op: 'add', kind: want.kind, dn: want.dn, key: want.key, domain: want.domain, ...sourcesOf(want), attributes };
}

const sourcesOf = (want: WantedEntry): { sources?: readonly string[] } => (want.sources.length > 0 ? { sources: want.sources } : {});

/** The smallest changes, one per attribute, that make `have` hold what `want` says. */
function attributeChanges(want: WantedEntry, have: ExistingEntry): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const attribute of MANAGED_ATTRIBUTES[want.kind]) {
    const wanted = want.attributes[attribute] ?? [];
    const current = valuesOf(have, attribute);
    if (sameValues(wanted, current)) continue;
    changes.push(
      wanted.length > 0 ? { operation: 'replace', attribute, values: wanted } : { operation: 'delete', attribute, values: [] },
    );
  }
  return changes;
}

const sameValues = (a: readonly string[], b: readonly string[]): boolean => {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((v) => right.has(v));
};

/** Entries mxdir does not own that hold a key mxdir publishes: Postfix would find two entries. */
function keyConflicts(
  wanted: readonly WantedEntry[],
  existing: readonly ExistingEntry[],
  wantedDns: ReadonlySet<string>,
  isManaged: (e: ExistingEntry) => boolean,
): Conflict[] {
  const wantedKeys = new Map<string, WantedEntry>();
  for (const w of wanted) wantedKeys.set(`${w.kind} ${w.key}`, w);
  const conflicts: Conflict[] = [];
  for (const e of existing) {
    if (isManaged(e) || wantedDns.has(normalizeDn(e.dn))) continue;
    const kind = kindOf(e);
    if (!kind) continue;
    const keyAttribute = kind === 'domain' ? Attr.domain : Attr.mail;
    for (const value of valuesOf(e, keyAttribute)) {
      const w = wantedKeys.get(`${kind} ${value.toLowerCase()}`);
      if (w) {
        conflicts.push({
          dn: e.dn,
          key: w.key,
          message: `${e.dn} (not managed by mxdir) also holds ${w.key}: Postfix lookups would find two entries`,
        });
      }
    }
  }
  return conflicts;
}

function kindOf(e: ExistingEntry): 'domain' | 'recipient' | null {
  const classes = valuesOf(e, Attr.objectClass).map((c) => c.toLowerCase());
  if (classes.includes(ObjectClass.recipient.toLowerCase())) return 'recipient';
  if (classes.includes(ObjectClass.domain.toLowerCase())) return 'domain';
  return null;
}

function keyOf(e: ExistingEntry, kind: 'domain' | 'recipient'): string {
  const value = valuesOf(e, kind === 'domain' ? Attr.domain : Attr.mail)[0];
  return (value ?? e.dn).toLowerCase();
}

function domainOf(e: ExistingEntry, kind: 'domain' | 'recipient'): string {
  const key = keyOf(e, kind);
  return kind === 'domain' ? key : key.slice(key.lastIndexOf('@') + 1);
}

function countManaged(existing: readonly ExistingEntry[], isManaged: (e: ExistingEntry) => boolean): Counts {
  let domains = 0;
  let addresses = 0;
  for (const e of existing) {
    if (!isManaged(e)) continue;
    const kind = kindOf(e);
    if (kind === 'domain') domains++;
    else if (kind === 'recipient') addresses++;
  }
  return { domains, addresses };
}

function count(ops: readonly Operation[]): Counts {
  let domains = 0;
  let addresses = 0;
  for (const op of ops) {
    if (op.kind === 'domain') domains++;
    else if (op.kind === 'recipient') addresses++;
  }
  return { domains, addresses };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function byKindThenKey(order: readonly EntryKind[]) {
  return (a: Operation, b: Operation): number =>
    order.indexOf(a.kind) - order.indexOf(b.kind) || compare(a.domain, b.domain) || compare(a.key, b.key);
}
