import { normalizeDn, parseDn, formatDn } from '../directory/dn.js';
import {
  Attr,
  MANAGED_ATTRIBUTES,
  ObjectClass,
  valuesOf,
  wantedBaseEntry,
  wantedSetOf,
  type EntryKind,
  type ExistingEntry,
  type WantedEntry,
  type WantedSet,
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
  readonly wanted: readonly WantedEntry[] | WantedSet;
  /** Every entry under baseDN (baseDN included when it exists). */
  readonly existing: Iterable<ExistingEntry>;
}

/**
 * The pure heart of mxdir: compares what should be published with what is, and returns the
 * operations that make the directory match. DNs and keys compare case-insensitively; only entries
 * carrying this publisher's ownership marker are ever modified or deleted.
 */
export function diff(input: DiffInput): Plan {
  const differ = new Differ(input.baseDN, input.owner, Array.isArray(input.wanted) ? wantedSetOf(input.wanted) : (input.wanted as WantedSet));
  for (const e of input.existing) differ.see(e);
  return differ.plan();
}

/**
 * The diff, fed one existing entry at a time as the directory's pages arrive: each entry is compared
 * with the wanted entry at its DN at once and then dropped, so memory holds the desired state and the
 * differences, never the whole tree.
 */
export class Differ {
  readonly #owner: string;
  readonly #baseKey: string;
  #baseSeen = false;
  readonly #seen = { domain: new Set<string>(), recipient: new Set<string>() };
  readonly #modifies: ModifyOperation[] = [];
  readonly #conflicts: Conflict[] = [];
  /** Managed entries no longer wanted, by normalised DN. */
  readonly #candidates = new Map<string, DeleteOperation>();
  /** Normalised DNs of the ancestors of every entry that stays. */
  readonly #holdsSurvivor = new Set<string>();
  /** Parents of entries that stay (checked against candidates at the end). */
  readonly #survivorParents = new Set<string>();
  #before = { domains: 0, addresses: 0 };

  constructor(
    readonly baseDN: string,
    readonly ownerValue: string,
    private readonly wanted: WantedSet,
  ) {
    this.#owner = ownerValue.toLowerCase();
    this.#baseKey = normalizeDn(baseDN);
  }

  #isManaged(e: ExistingEntry): boolean {
    return valuesOf(e, Attr.owner).some((v) => v.toLowerCase() === this.#owner);
  }

  /** Compares one existing entry with what is wanted at its DN. */
  see(e: ExistingEntry): void {
    const dnKey = normalizeDn(e.dn);
    if (dnKey === this.#baseKey) {
      this.#baseSeen = true;
      this.#survivorParents.add(parentKey(dnKey));
      return;
    }
    const managed = this.#isManaged(e);
    const kind = kindOf(e);
    if (managed && kind) this.#before[kind === 'domain' ? 'domains' : 'addresses']++;
    const want = this.#wantedAt(dnKey);
    if (want) {
      this.#seen[want.kind as 'domain' | 'recipient'].add(want.key);
      this.#survivorParents.add(parentKey(dnKey));
      if (!managed) {
        this.#conflicts.push({ dn: e.dn, key: want.key, message: `${e.dn} exists without ${Attr.owner}: ${this.ownerValue}; mxdir leaves it alone` });
        return;
      }
      const changes = attributeChanges(want, e);
      if (changes.length > 0) this.#modifies.push({ op: 'modify', kind: want.kind, dn: e.dn, key: want.key, domain: want.domain, changes });
      return;
    }
    if (managed && kind) {
      // No longer wanted: deleted, unless something that stays lives below it (checked at the end).
      this.#candidates.set(dnKey, { op: 'delete', kind, dn: e.dn, key: keyOf(e, kind), domain: domainOf(e, kind) });
      return;
    }
    this.#survivorParents.add(parentKey(dnKey));
    // An entry mxdir does not own that holds a key mxdir publishes: Postfix would find two entries.
    if (!managed && kind) {
      for (const value of valuesOf(e, kind === 'domain' ? Attr.domain : Attr.mail)) {
        const w = this.wanted.get(kind, value.toLowerCase());
        if (w) this.#conflicts.push({ dn: e.dn, key: w.key, message: `${e.dn} (not managed by mxdir) also holds ${w.key}: Postfix lookups would find two entries` });
      }
    }
  }

  /** The wanted entry whose DN is `dnKey`, if any. */
  #wantedAt(dnKey: string): WantedEntry | undefined {
    const rdn = firstRdn(dnKey);
    if (!rdn) return undefined;
    const kind = rdn.type === 'mail' ? 'recipient' : rdn.type === Attr.domain.toLowerCase() ? 'domain' : null;
    if (!kind) return undefined;
    const want = this.wanted.get(kind, rdn.value);
    return want && normalizeDn(want.dn) === dnKey ? want : undefined;
  }

  plan(): Plan {
    const adds: AddOperation[] = [];
    if (!this.#baseSeen) {
      const rdn = parseDn(this.baseDN)[0]?.[0];
      if (!rdn) throw new MxdirError(`ldap.baseDN: "${this.baseDN}" is empty`);
      const base = wantedBaseEntry(this.baseDN, rdn);
      if (typeof base === 'string') throw new MxdirError(`ldap.baseDN: ${this.baseDN} does not exist and ${base}`);
      adds.push(addOperation(base));
    }
    const seen = this.#seen;
    for (const [kind, key] of this.wanted.keys()) {
      if (!seen[kind].has(key)) adds.push(new PendingAdd(this.wanted, kind, key));
    }

    // Every ancestor of an entry that stays holds a survivor; a candidate among them is kept.
    for (const parent of this.#survivorParents) {
      for (let k = parent; k !== '' && !this.#holdsSurvivor.has(k); k = parentKey(k)) this.#holdsSurvivor.add(k);
    }
    const deletes: DeleteOperation[] = [];
    const conflicts = [...this.#conflicts];
    for (const [dnKey, op] of this.#candidates) {
      if (this.#holdsSurvivor.has(dnKey)) conflicts.push({ dn: op.dn, key: op.key, message: `${op.dn} is no longer wanted but holds entries mxdir does not manage; kept` });
      else deletes.push(op);
    }

    const modifies = this.#modifies;
    adds.sort(byKindThenKey(['base', 'domain', 'recipient']));
    modifies.sort(byKindThenKey(['base', 'domain', 'recipient']));
    deletes.sort(byKindThenKey(['recipient', 'domain', 'base']));
    conflicts.sort((a, b) => compare(a.key, b.key) || compare(a.dn, b.dn));

    const operations: Operation[] = [...adds, ...modifies, ...deletes];
    const before = this.#before;
    const added = count(adds);
    const deleted = count(deletes);
    return {
      version: PLAN_VERSION,
      baseDN: this.baseDN,
      owner: this.ownerValue,
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
}

/**
 * An add whose entry is built from the wanted set when it is read: a first publish of a million
 * addresses holds a million small objects, not a million DNs and attribute records at once.
 */
class PendingAdd implements AddOperation {
  readonly op = 'add' as const;
  readonly #wanted: WantedSet;
  constructor(
    wanted: WantedSet,
    readonly kind: 'domain' | 'recipient',
    readonly key: string,
  ) {
    this.#wanted = wanted;
  }
  #entry(): WantedEntry {
    const want = this.#wanted.get(this.kind, this.key);
    if (!want) throw new Error(`internal: ${this.kind} ${this.key} is no longer wanted`);
    return want;
  }
  get dn(): string {
    return this.#entry().dn;
  }
  get domain(): string {
    return this.kind === 'domain' ? this.key : this.key.slice(this.key.lastIndexOf('@') + 1);
  }
  get sources(): readonly string[] | undefined {
    return addOperation(this.#entry()).sources;
  }
  get attributes(): Readonly<Record<string, readonly string[]>> {
    return addOperation(this.#entry()).attributes;
  }
  /** The same JSON as an eager add (what --format json prints). */
  toJSON(): AddOperation {
    return addOperation(this.#entry());
  }
}

/** Type (lower case) and value of the first RDN of a normalised DN. */
function firstRdn(dnKey: string): { type: string; value: string } | null {
  const eq = dnKey.indexOf('=');
  const comma = dnKey.indexOf(',');
  if (eq > 0 && !dnKey.includes('\\') && !dnKey.slice(0, comma < 0 ? undefined : comma).includes('+')) {
    return { type: dnKey.slice(0, eq), value: dnKey.slice(eq + 1, comma < 0 ? undefined : comma) };
  }
  const rdn = parseDn(dnKey)[0];
  return rdn && rdn.length === 1 ? rdn[0]! : null;
}

/** The parent of a normalised DN ('' above the top). */
function parentKey(dnKey: string): string {
  if (!dnKey.includes('\\')) {
    const comma = dnKey.indexOf(',');
    return comma < 0 ? '' : dnKey.slice(comma + 1);
  }
  return formatDn(parseDn(dnKey).slice(1));
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
  // One or two values (a mailbox and its self alias) are by far the most common: no Sets.
  if (a.length === b.length && a.length <= 2) {
    if (a.length === 0) return true;
    if (a.length === 1) return a[0] === b[0];
    if ((a[0] === b[0] && a[1] === b[1]) || (a[0] === b[1] && a[1] === b[0])) return a[0] !== a[1] || b[0] === b[1];
  }
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((v) => right.has(v));
};

const RECIPIENT_CLASS = ObjectClass.recipient.toLowerCase();
const DOMAIN_CLASS = ObjectClass.domain.toLowerCase();

function kindOf(e: ExistingEntry): 'domain' | 'recipient' | null {
  let kind: 'domain' | 'recipient' | null = null;
  for (const c of valuesOf(e, Attr.objectClass)) {
    const lower = c.toLowerCase();
    if (lower === RECIPIENT_CLASS) return 'recipient';
    if (lower === DOMAIN_CLASS) kind = 'domain';
  }
  return kind;
}

function keyOf(e: ExistingEntry, kind: 'domain' | 'recipient'): string {
  const value = valuesOf(e, kind === 'domain' ? Attr.domain : Attr.mail)[0];
  return (value ?? e.dn).toLowerCase();
}

function domainOf(e: ExistingEntry, kind: 'domain' | 'recipient'): string {
  const key = keyOf(e, kind);
  return kind === 'domain' ? key : key.slice(key.lastIndexOf('@') + 1);
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
