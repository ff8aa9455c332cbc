import { expect } from 'chai';
import { runEvery } from '../../../src/service/schedule.js';

// The loop with real timers and short intervals; signals are delivered with process.emit, which
// calls the listeners exactly as a real SIGTERM would (without ending the test process).
function recorder() {
  const lines: string[] = [];
  const log = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(`warn: ${l}`), debug: () => undefined };
  return { lines, log };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('service: the --every loop', () => {
  it('never runs twice at once: a run longer than the interval delays the next and skipped ticks are logged', async () => {
    const { lines, log } = recorder();
    let active = 0;
    let most = 0;
    let runs = 0;
    await runEvery({
      intervalMs: 20,
      log,
      run: async () => {
        active++;
        most = Math.max(most, active);
        await sleep(70);
        active--;
        if (++runs === 3) process.emit('SIGTERM', 'SIGTERM');
      },
    });
    expect(runs).to.equal(3);
    expect(most).to.equal(1);
    expect(lines.some((l) => /^warn: the run took .*longer than the interval: \d+ tick\(s\) skipped$/.test(l))).to.equal(true);
    expect(lines.at(-1)).to.equal('stopped');
  });

  it('a signal during a run: the run sees stopRequested, finishes, and no further run starts', async () => {
    const { lines, log } = recorder();
    const seen: boolean[] = [];
    let runs = 0;
    await runEvery({
      intervalMs: 10,
      log,
      run: async (stopRequested) => {
        runs++;
        seen.push(stopRequested());
        process.emit('SIGINT', 'SIGINT');
        await sleep(5);
        seen.push(stopRequested());
      },
    });
    expect(runs).to.equal(1);
    expect(seen).to.deep.equal([false, true]);
    expect(lines).to.include('SIGINT: stopping after the current run (signal again to abandon it)');
  });

  it('a signal between runs ends the wait at once, and the signal handlers are removed', async () => {
    const { lines, log } = recorder();
    const listeners = process.listenerCount('SIGTERM');
    let runs = 0;
    const done = runEvery({
      intervalMs: 3_600_000,
      log,
      run: async () => {
        runs++;
      },
    });
    await sleep(20);
    expect(process.listenerCount('SIGTERM')).to.equal(listeners + 1);
    process.emit('SIGTERM', 'SIGTERM');
    await done; // an hour-long wait would time the test out
    expect(runs).to.equal(1);
    expect(lines).to.deep.equal(['running every 1h', 'SIGTERM: stopping', 'stopped']);
    expect(process.listenerCount('SIGTERM')).to.equal(listeners);
  });
});
