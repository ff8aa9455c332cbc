import { expect } from 'chai';
import { missedTicks, nextRunAt } from '../../../src/service/next-run.js';

describe('service: next run', () => {
  const anchor = 1_000_000;
  const every = 60_000;
  it('a short run waits for the next grid point, so the schedule does not drift', () => {
    // Run started at the anchor and took 5 s: next at anchor + 60 s, not 65 s.
    expect(nextRunAt(anchor, every, anchor, anchor + 5_000)).to.equal(anchor + 60_000);
    // A run started late in its slot still aims at the next grid point.
    expect(nextRunAt(anchor, every, anchor + 60_500, anchor + 61_000)).to.equal(anchor + 120_000);
    expect(missedTicks(anchor, every, anchor, anchor + 5_000)).to.equal(0);
  });
  it('a run longer than the interval delays the next tick to its end, never overlapping', () => {
    const end = anchor + 150_000;
    // Ticks at 60 s and 120 s fell during the run: the next run starts at once (delayed, not two).
    expect(nextRunAt(anchor, every, anchor, end)).to.equal(end);
    expect(missedTicks(anchor, every, anchor, end)).to.equal(1);
  });
  it('a run ending exactly on a tick runs that tick', () => {
    expect(nextRunAt(anchor, every, anchor, anchor + 60_000)).to.equal(anchor + 60_000);
    expect(missedTicks(anchor, every, anchor, anchor + 60_000)).to.equal(0);
  });
  it('never schedules in the past or before the last start', () => {
    for (const [start, now] of [[0, 1], [59_999, 60_001], [61_000, 300_000], [3, 3]] as const) {
      const next = nextRunAt(anchor, every, anchor + start, anchor + now);
      expect(next).to.be.at.least(anchor + now);
      expect(next).to.be.greaterThan(anchor + start);
    }
  });
});
