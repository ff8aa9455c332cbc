import { expect } from 'chai';
import { rememberSecret } from '../../../src/config/secret.js';
import { jsonLogLine } from '../../../src/cli/output.js';
import { statusDn, statusValues, generalizedTime, parseGeneralizedTime } from '../../../src/directory/sync-status.js';
import { assessFreshness } from '../../../src/service/freshness.js';
import { oneLine, summaryLine, type RunReport } from '../../../src/service/run-report.js';

const startedAt = new Date('2026-11-25T02:50:07.123Z');
const ok: RunReport = {
  result: 'ok',
  startedAt,
  durationMs: 812,
  message: 'ok',
  exitCode: 0,
  counts: { domains: 4, addresses: 23, added: 3, modified: 0, deleted: 1 },
  digest: 'sha256:abc',
};
const failed: RunReport = { result: 'failed', startedAt, durationMs: 40, message: 'connect to mysql://root@db/pfa: connection refused', exitCode: 1 };

describe('service: run summary', () => {
  it('one line with result, counts, duration and digest; the same facts as JSON fields', () => {
    const s = summaryLine(ok);
    expect(s.level).to.equal('info');
    expect(s.msg).to.equal('sync ok in 0.8 s: 23 addresses in 4 domains published (+3 ~0 -1), sha256:abc');
    expect(s.fields).to.deep.include({ event: 'sync-run', result: 'ok', durationMs: 812, domains: 4, addresses: 23, added: 3, modified: 0, deleted: 1, digest: 'sha256:abc' });
    const f = summaryLine(failed);
    expect(f.level).to.equal('error');
    expect(f.msg).to.equal('sync failed in 0.0 s: connect to mysql://root@db/pfa: connection refused');
    expect(f.fields).to.deep.include({ result: 'failed', reason: failed.message });
    expect(summaryLine({ ...failed, result: 'refused' }).level).to.equal('warn');
  });
  it('oneLine keeps the first line, bounded', () => {
    expect(oneLine('a\nb')).to.equal('a');
    expect(oneLine('x'.repeat(2000), 10)).to.have.length(10);
  });
  it('JSON log lines: time, level, msg, fields; secrets redacted', () => {
    rememberSecret('s3cr3t-pass');
    const line = jsonLogLine('error', 'bind failed with s3cr3t-pass', { where: 'pw=s3cr3t-pass', n: 3, skip: undefined }, startedAt);
    expect(line).to.not.include('s3cr3t-pass');
    expect(JSON.parse(line)).to.deep.equal({ time: '2026-11-25T02:50:07.123Z', level: 'error', msg: 'bind failed with ***', where: 'pw=***', n: 3 });
    // A field cannot overwrite time, level or msg.
    expect(JSON.parse(jsonLogLine('info', 'm', { level: 'x', msg: 'y' }, startedAt))).to.deep.equal({ time: '2026-11-25T02:50:07.123Z', level: 'info', msg: 'm' });
  });
});

describe('directory: sync status values', () => {
  it('names one entry per owner', () => {
    expect(statusDn('ou=mx,dc=example,dc=org', 'mxdir')).to.equal('cn=mxdir-status,ou=mx,dc=example,dc=org');
    expect(statusDn('ou=mx,dc=example,dc=org', 'pfa-2')).to.equal('cn=mxdir-status-pfa-2,ou=mx,dc=example,dc=org');
  });
  it('GeneralizedTime round trip in UTC', () => {
    expect(generalizedTime(startedAt)).to.equal('20261125025007Z');
    expect(parseGeneralizedTime('20261125025007Z')?.toISOString()).to.equal('2026-11-25T02:50:07.000Z');
    expect(parseGeneralizedTime('20261125025007.5Z')?.toISOString()).to.equal('2026-11-25T02:50:07.500Z');
    expect(parseGeneralizedTime('yesterday')).to.equal(undefined);
  });
  it('a success sets everything; a failure only the last-run attributes, never the last success', () => {
    expect(statusValues(ok, 'mx1')).to.deep.equal({
      mxdirLastRunTime: '20261125025007Z',
      mxdirLastRunResult: 'ok',
      mxdirLastRunMessage: 'ok',
      mxdirLastRunDuration: '812',
      mxdirLastRunHost: 'mx1',
      mxdirLastSuccessTime: '20261125025007Z',
      mxdirPublishedDomains: '4',
      mxdirPublishedAddresses: '23',
      mxdirAddCount: '3',
      mxdirModifyCount: '0',
      mxdirDeleteCount: '1',
      mxdirSourceDigest: 'sha256:abc',
    });
    const v = statusValues(failed, 'mx1');
    expect(Object.keys(v).sort()).to.deep.equal(['mxdirLastRunDuration', 'mxdirLastRunHost', 'mxdirLastRunMessage', 'mxdirLastRunResult', 'mxdirLastRunTime']);
    expect(v['mxdirLastRunResult']).to.equal('failed');
  });
});

describe('service: freshness', () => {
  const now = Date.parse('2026-11-25T04:00:00Z');
  const status = { dn: 'cn=mxdir-status,ou=mx', lastSuccess: new Date('2026-11-25T03:00:00Z'), lastRun: new Date('2026-11-25T03:55:00Z'), lastResult: 'ok', addresses: 23, domains: 4 };
  it('ok (exit 0) while the last success is younger than max-age', () => {
    const f = assessFreshness(status, now, 2 * 3_600_000);
    expect(f.exitCode).to.equal(0);
    expect(f.headline).to.equal('OK: last success 1h ago (max 2h): 23 addresses in 4 domains');
  });
  it('stale (exit 2) when older, and says why the last run did not succeed', () => {
    const f = assessFreshness({ ...status, lastResult: 'failed', lastMessage: 'source down' }, now, 30 * 60_000);
    expect(f.exitCode).to.equal(2);
    expect(f.headline).to.equal('CRITICAL: last success 1h ago (max 30m): 23 addresses in 4 domains; last run failed 5m ago: source down');
  });
  it('no success recorded at all is stale', () => {
    const f = assessFreshness({ dn: 'x', lastResult: 'refused', lastMessage: 'empty source', lastRun: new Date(now) }, now, 3_600_000);
    expect(f.exitCode).to.equal(2);
    expect(f.headline).to.match(/^CRITICAL: no successful sync recorded; last run refused/);
  });
});
