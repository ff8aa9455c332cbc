import { expect } from 'chai';
import { guardPlan, renderText, type Plan } from '../../../src/sync/index.js';

function plan(before: number, deleted: number): Plan {
  return {
    version: 1,
    baseDN: 'ou=mx,dc=example,dc=org',
    owner: 'mxdir',
    operations: [],
    conflicts: [],
    refusals: [],
    summary: {
      add: { domains: 0, addresses: 0 },
      modify: { domains: 0, addresses: 0 },
      delete: { domains: 0, addresses: deleted },
      before: { domains: 1, addresses: before },
      after: { domains: 1, addresses: before - deleted },
    },
  };
}
const limits = { maxDeletePercent: 10, maxDeleteCount: 1000, allowMassDelete: false };
const some = { domains: 1, addresses: 5 };

describe('sync: safety guards', () => {
  it('refuses a source with no addresses or no domains, even with --allow-mass-delete', () => {
    expect(guardPlan(plan(100, 100), { domains: 3, addresses: 0 }, { ...limits, allowMassDelete: true }).refusals[0]).to.match(/yields no addresses/);
    expect(guardPlan(plan(100, 100), { domains: 0, addresses: 0 }, limits).refusals[0]).to.match(/yields no relay domains/);
  });
  it('allows deletes up to the percentage, refuses beyond it with the numbers', () => {
    expect(guardPlan(plan(100, 10), some, limits).refusals).to.deep.equal([]);
    const r = guardPlan(plan(100, 11), some, limits).refusals;
    expect(r).to.have.length(1);
    expect(r[0]).to.match(/would delete 11 of 100 published addresses \(11%\), more than guards.maxDeletePercent \(10%\)/);
  });
  it('refuses beyond the absolute count whatever the share', () => {
    expect(guardPlan(plan(1_000_000, 1001), some, limits).refusals[0]).to.match(/would delete 1001 of 1000000 .* guards.maxDeleteCount \(1000\)/);
    expect(guardPlan(plan(1_000_000, 1000), some, limits).refusals).to.deep.equal([]);
  });
  it('--allow-mass-delete lifts the delete limits', () => {
    expect(guardPlan(plan(100, 90), some, { ...limits, allowMassDelete: true }).refusals).to.deep.equal([]);
  });
  it('a first publish into an empty tree deletes nothing and passes', () => {
    expect(guardPlan(plan(0, 0), some, limits).refusals).to.deep.equal([]);
  });
  it('the dry run shows that the guard would trip', () => {
    expect(renderText(guardPlan(plan(100, 50), some, limits))).to.match(/\nREFUSED: would delete 50 of 100/);
  });
});
