// A plan is versioned, serialisable data: what the dry run prints, what --check counts and what the
// sync applies. Operations are in the order they must run: adds parents first, deletes children first.

import type { EntryKind } from '../directory/layout.js';

export const PLAN_VERSION = 1;

export interface AttributeChange {
  readonly operation: 'add' | 'replace' | 'delete';
  readonly attribute: string;
  readonly values: readonly string[];
}

interface OperationBase {
  readonly kind: EntryKind;
  readonly dn: string;
  /** Lookup key: the address, `@domain`, the domain, or the base DN. */
  readonly key: string;
  readonly domain: string;
}

export interface AddOperation extends OperationBase {
  readonly op: 'add';
  /**
   * Where the new entry comes from, one `source table row` each: what the dry run shows, whether
   * or not ldap.provenance records it in the directory (mxdirSource).
   */
  readonly sources?: readonly string[];
  /** Every attribute of the new entry, objectClass and naming attribute included. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

export interface ModifyOperation extends OperationBase {
  readonly op: 'modify';
  readonly changes: readonly AttributeChange[];
}

export interface DeleteOperation extends OperationBase {
  readonly op: 'delete';
}

export type Operation = AddOperation | ModifyOperation | DeleteOperation;

/** Something the sync will not touch but a person should know about. */
export interface Conflict {
  readonly dn: string;
  readonly key: string;
  readonly message: string;
}

export interface Counts {
  readonly domains: number;
  readonly addresses: number;
}

export interface PlanSummary {
  readonly add: Counts;
  readonly modify: Counts;
  readonly delete: Counts;
  /** What mxdir publishes now (its own entries) and will publish once the plan is applied. */
  readonly before: Counts;
  readonly after: Counts;
}

export interface Plan {
  readonly version: typeof PLAN_VERSION;
  readonly baseDN: string;
  readonly owner: string;
  readonly operations: readonly Operation[];
  readonly conflicts: readonly Conflict[];
  readonly summary: PlanSummary;
  /** Why a safety guard refuses to apply this plan (empty: it may be applied). */
  readonly refusals: readonly string[];
}

export const isEmptyPlan = (plan: Plan): boolean => plan.operations.length === 0;
