import type { Origin } from '../source/records.js';
import type { PublishedAddress } from './desired-state.js';

/**
 * An origin whose row is the published key itself (a mailbox or alias row of a normal address): kept
 * as its source and table alone, shared by every such row of that table.
 */
class RowIsKey {
  constructor(
    readonly source: string,
    readonly table: string,
  ) {}
}

type Packed = RowIsKey | Origin;

/**
 * The published addresses, kept compactly: a key and its packed origins per address, no object. A
 * million addresses published from a mailbox row and its self alias share one frozen list of two
 * `RowIsKey`s, instead of each holding an address object and an array of two row objects and their
 * strings (which would also keep every source record alive after the model is built). `get` and the
 * iterators hand out a `CompactAddress` view built on the spot.
 */
export class PublishedAddresses implements ReadonlyMap<string, PublishedAddress> {
  readonly #packed = new Map<string, readonly Packed[]>();
  readonly #rowIsKey = new Map<string, RowIsKey>();
  readonly #ids = new Map<RowIsKey, number>();
  /** Lists made of RowIsKey only, by their ids joined: `0,1,`. */
  readonly #lists = new Map<string, readonly Packed[]>();

  /** Publishes `key` from `origins`, added to those it already has. */
  add(key: string, origins: readonly Origin[]): void {
    const existing = this.#packed.get(key);
    const packed: Packed[] = existing ? [...existing] : [];
    for (const o of origins) packed.push(this.#pack(key, o));
    this.#packed.set(key, this.#shared(packed));
  }

  #pack(key: string, o: Origin): Packed {
    if (o.row !== key || o.where !== undefined) return o;
    const id = `${o.source}\n${o.table}`;
    let r = this.#rowIsKey.get(id);
    if (!r) {
      r = new RowIsKey(o.source, o.table);
      this.#rowIsKey.set(id, r);
      this.#ids.set(r, this.#ids.size);
    }
    return r;
  }

  /** One list object for every address with the same RowIsKey origins; others keep their own. */
  #shared(packed: Packed[]): readonly Packed[] {
    let id = '';
    for (const p of packed) {
      if (!(p instanceof RowIsKey)) return packed;
      id += `${this.#ids.get(p)},`;
    }
    let list = this.#lists.get(id);
    if (!list) this.#lists.set(id, (list = Object.freeze(packed)));
    return list;
  }

  get size(): number {
    return this.#packed.size;
  }
  has(key: string): boolean {
    return this.#packed.has(key);
  }
  get(key: string): PublishedAddress | undefined {
    const packed = this.#packed.get(key);
    return packed ? new CompactAddress(key, packed) : undefined;
  }
  keys(): MapIterator<string> {
    return this.#packed.keys();
  }
  *values(): MapIterator<PublishedAddress> {
    for (const [key, packed] of this.#packed) yield new CompactAddress(key, packed);
  }
  *entries(): MapIterator<[string, PublishedAddress]> {
    for (const [key, packed] of this.#packed) yield [key, new CompactAddress(key, packed)];
  }
  [Symbol.iterator](): MapIterator<[string, PublishedAddress]> {
    return this.entries();
  }
  forEach(callback: (value: PublishedAddress, key: string, map: ReadonlyMap<string, PublishedAddress>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}

/** A published address as `PublishedAddresses` hands it out: origins rebuilt when asked for. */
class CompactAddress implements PublishedAddress {
  constructor(
    readonly key: string,
    readonly packed: readonly Packed[],
  ) {}

  get domain(): string {
    return this.key.slice(this.key.lastIndexOf('@') + 1);
  }

  get origins(): readonly Origin[] {
    return this.packed.map((p) => (p instanceof RowIsKey ? { source: p.source, table: p.table, row: this.key } : p));
  }

  toJSON(): PublishedAddress {
    return { key: this.key, domain: this.domain, origins: this.origins };
  }
}
