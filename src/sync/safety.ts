// Guards against publishing a wrong list. A wrong delete bounces real mail, so a sync that would empty
// the tree or delete more than a threshold is refused before anything is written. Pure.

import type { Plan } from './plan.js';

export interface GuardOptions {
  /** Refuse when more than this share (percent) of the published addresses would be deleted. */
  readonly maxDeletePercent: number;
  /** Refuse when more than this many addresses would be deleted, whatever the share. */
  readonly maxDeleteCount: number;
  /** A reviewed mass delete: lift the two delete limits for this run. */
  readonly allowMassDelete: boolean;
}

export interface DesiredCounts {
  readonly domains: number;
  readonly addresses: number;
}

/** The plan with `refusals` filled in by the guards. */
export function guardPlan(plan: Plan, desired: DesiredCounts, options: GuardOptions): Plan {
  return { ...plan, refusals: guardViolations(plan, desired, options) };
}

/** The reasons this plan must not be applied; empty when it may. */
export function guardViolations(plan: Plan, desired: DesiredCounts, options: GuardOptions): string[] {
  const reasons: string[] = [];
  if (desired.domains === 0 || desired.addresses === 0) {
    const what = desired.domains === 0 ? 'no relay domains' : 'no addresses';
    reasons.push(
      `the source yields ${what} (${desired.domains} domains, ${desired.addresses} addresses): refusing to publish an empty list; check the source (or delete ${plan.baseDN} by hand to unpublish everything)`,
    );
  }
  if (options.allowMassDelete) return reasons;
  const deleted = plan.summary.delete.addresses;
  const published = plan.summary.before.addresses;
  const percent = published > 0 ? (deleted * 100) / published : 0;
  if (deleted > options.maxDeleteCount) {
    reasons.push(
      `would delete ${deleted} of ${published} published addresses, more than guards.maxDeleteCount (${options.maxDeleteCount}); review the dry run, then rerun with --allow-mass-delete`,
    );
  } else if (percent > options.maxDeletePercent) {
    reasons.push(
      `would delete ${deleted} of ${published} published addresses (${formatPercent(percent)}), more than guards.maxDeletePercent (${options.maxDeletePercent}%); review the dry run, then rerun with --allow-mass-delete`,
    );
  }
  return reasons;
}

const formatPercent = (p: number): string => `${p >= 10 ? Math.round(p) : p.toFixed(1)}%`;
