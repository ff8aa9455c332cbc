import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createProgress, duration, formatProgress } from '../../../src/cli/progress.js';

/** A stream that records what is written, a terminal or not. */
function sink(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY: boolean; text: string };
  stream.isTTY = isTTY;
  Object.defineProperty(stream, 'text', { get: () => chunks.join('') });
  return stream;
}

describe('progress display', () => {
  it('formats phase, done/total, percentage, rate and ETA', () => {
    expect(formatProgress({ phase: 'writing', done: 12_000, total: 100_500, elapsedMs: 3000 })).to.equal('writing: 12,000/100,500 (11%), 4,000/s, ETA 0:22');
  });

  it('leaves out rate and ETA in the first second, and ETA once done or without a total', () => {
    expect(formatProgress({ phase: 'writing', done: 10, total: 100, elapsedMs: 500 })).to.equal('writing: 10/100 (10%)');
    expect(formatProgress({ phase: 'writing', done: 100, total: 100, elapsedMs: 2000 })).to.equal('writing: 100/100 (100%), 50/s');
    expect(formatProgress({ phase: 'reading the directory', done: 50_000, total: null, elapsedMs: 2000 })).to.equal('reading the directory: 50,000, 25,000/s');
  });

  it('durations are m:ss, and h:mm:ss from an hour', () => {
    expect(duration(59.6)).to.equal('1:00');
    expect(duration(754)).to.equal('12:34');
    expect(duration(3 * 3600 + 62)).to.equal('3:01:02');
  });

  it('is silent when the stream is not a terminal', () => {
    const out = sink(false);
    const p = createProgress(out, { intervalMs: 0 });
    p.update('writing', 1, 10);
    p.update('writing', 10, 10);
    p.clear();
    expect(out.text).to.equal('');
  });

  it('redraws one line in place on a terminal, throttled, and erases it', () => {
    let t = 0;
    const out = sink(true);
    const p = createProgress(out, { intervalMs: 250, now: () => t });
    p.update('writing', 1, 10);
    t = 100;
    p.update('writing', 2, 10); // within the interval: not drawn
    t = 2000;
    p.update('writing', 10, 10);
    p.clear();
    expect(out.text).to.equal('\rwriting: 1/10 (10%)\x1b[K\rwriting: 10/10 (100%), 5/s\x1b[K\r\x1b[K');
  });
});
