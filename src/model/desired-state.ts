import type { Origin } from '../source/records.js';

/** A relay domain the MX hosts accept mail for. */
export interface PublishedDomain {
  /** Lower case, A-label. */
  readonly name: string;
  /** Postfix transport next hop, when a source gives one. */
  readonly transport: string | null;
  /** The source rows this domain was published from. */
  readonly origins: readonly Origin[];
}

/** A recipient key the MX hosts accept: `local@domain` or `@domain`. */
export interface PublishedAddress {
  readonly key: string;
  readonly domain: string;
  /** The source rows this key was published from (several when tables agree). */
  readonly origins: readonly Origin[];
}

/** What the directory should hold: the output of the model, the input of the diff. */
export interface DesiredState {
  readonly domains: ReadonlyMap<string, PublishedDomain>;
  readonly addresses: ReadonlyMap<string, PublishedAddress>;
}

/** A source row that is not a valid address or domain, reported and left out. */
export interface SkippedRow {
  readonly origin: Origin;
  readonly value: string;
  readonly reason: string;
}

export interface ModelResult {
  readonly state: DesiredState;
  readonly skipped: readonly SkippedRow[];
}
