import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../../src/service/duration.js';

describe('service: durations', () => {
  it('parses s, m, h and d, and combinations', () => {
    expect(parseDuration('1s')).to.equal(1000);
    expect(parseDuration('30s')).to.equal(30_000);
    expect(parseDuration('5m')).to.equal(300_000);
    expect(parseDuration('1h')).to.equal(3_600_000);
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('2d')).to.equal(172_800_000);
    expect(parseDuration('1.5m')).to.equal(90_000);
    expect(parseDuration(' 5M ')).to.equal(300_000);
  });
  it('rejects bad values with the reason', () => {
    expect(parseDuration('5')).to.match(/unit is missing/);
    expect(parseDuration('5x')).to.match(/not a duration/);
    expect(parseDuration('')).to.match(/not a duration/);
    expect(parseDuration('-5m')).to.match(/not a duration/);
    expect(parseDuration('m5')).to.match(/not a duration/);
    expect(parseDuration('0s')).to.match(/at least 1s/);
    expect(parseDuration('0.5s')).to.match(/at least 1s/);
  });
  it('formats short human durations', () => {
    expect(formatDuration(450)).to.equal('450ms');
    expect(formatDuration(45_000)).to.equal('45s');
    expect(formatDuration(300_000)).to.equal('5m');
    expect(formatDuration(5_400_000)).to.equal('1h30m');
    expect(formatDuration(2 * 86_400_000 + 3 * 3_600_000 + 60_000)).to.equal('2d3h');
  });
});
