import { expect } from 'chai';
import { collectGarbage } from '../../../src/cli/collect-garbage.js';

describe('cli: collectGarbage', () => {
  it('frees what nothing references any more, at once', async () => {
    let big: number[] | null = Array.from({ length: 100_000 }, (_, i) => i);
    const ref = new WeakRef(big);
    big = null;
    // A WeakRef holds its target until the end of the job that made it.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(ref.deref()).to.equal(undefined);
  });

  it('leaves no gc global behind', () => {
    collectGarbage();
    expect((globalThis as { gc?: unknown }).gc).to.equal(undefined);
  });
});
