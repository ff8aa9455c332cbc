import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { isStale } from '../../../src/directory/sync-lock.js';

const holder = (host: string, pid: number, ageSeconds: number) => {
  const heartbeat = new Date(Date.now() - ageSeconds * 1000).toISOString();
  return { host, pid, since: heartbeat, heartbeat, token: 't' };
};

describe('directory: when a sync lock is abandoned', () => {
  it('a fresh lock of a live process elsewhere or on this host is held', () => {
    expect(isStale(holder('other.example', 4242, 5), 90, 'this.example')).to.equal(false);
    expect(isStale(holder('this.example', process.ppid, 5), 90, 'this.example')).to.equal(false);
  });

  it('a lock whose heartbeat is older than staleSeconds is abandoned, wherever it was taken', () => {
    expect(isStale(holder('other.example', 4242, 91), 90, 'this.example')).to.equal(true);
  });

  it('a lock of a process on this host that no longer exists is abandoned', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    expect(isStale(holder('this.example', Number(gone), 5), 90, 'this.example')).to.equal(true);
  });

  it('a lock naming this very process was left by an earlier run of it (a service tick) and is abandoned', () => {
    expect(isStale(holder('this.example', process.pid, 5), 90, 'this.example')).to.equal(true);
    // The same pid on another host is another process.
    expect(isStale(holder('other.example', process.pid, 5), 90, 'this.example')).to.equal(false);
  });
});
