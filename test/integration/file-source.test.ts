// kind: file beside a PostfixAdmin database, into a real slapd: a hand-kept relay_recipients file
// (Postfix lookup-table text) and a plain list, merged with provenance `<name> line N`.
import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished, withRootClient } from './ldap-state.js';
import { runMxdir, writeConfig } from './run-mxdir.js';

const RELAY_RECIPIENTS = `# relay_recipients, kept by hand since 2009
alice@example.com     OK
@legacy.example       OK
hr@people.example     x
no-value@people.example
jobs@people.example
    OK
bad address@people.example OK
`;

describe('sync: kind file beside PostfixAdmin', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  let pfa: TestDb;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let base: string;

  before(async () => {
    slapd = await startSlapd();
    env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
    base = `ou=mx,${slapd.suffix}`;
    pfa = await createPostfixAdminDb('sqlite', {
      domains: [{ domain: 'example.com' }],
      mailboxes: [{ username: 'alice@example.com' }, { username: 'bob@example.com' }],
      aliases: [],
      aliasDomains: [],
    });
    dir = await mkdtemp(join(tmpdir(), 'mxdir-file-it-'));
    await writeFile(join(dir, 'relay_recipients'), RELAY_RECIPIENTS);
    await writeFile(join(dir, 'staff.txt'), 'carol@staff.example\nDan@Staff.Example\nstray@elsewhere.example\n');
  });
  after(async () => {
    await slapd?.stop();
    await pfa?.drop();
  });

  it('publishes the union with provenance per line; bad lines are reported as file:line and skipped', async () => {
    const file = await writeConfig(
      {
        sources: [
          { kind: 'postfixadmin', name: 'pfa', url: pfa.url },
          { kind: 'file', name: 'hand', path: 'relay_recipients' },
          { kind: 'file', name: 'staff', path: 'staff.txt', format: 'list', domains: ['staff.example'] },
        ],
        ldap: { url: slapd.url, bindDN: slapd.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: base },
      },
      dir,
    );
    const dry = await runMxdir(['sync', '-c', file, '--dry-run'], { env });
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.include('    + alice@example.com  (hand line 2; pfa mailbox alice@example.com)\n');
    expect(dry.stdout).to.include('+ legacy.example  (relay domain added; from hand line 3)\n    + @legacy.example  (hand line 3)\n');
    expect(dry.stdout).to.include('    + jobs@people.example  (hand line 6)\n');
    expect(dry.stdout).to.include('    + dan@staff.example  (staff line 2)\n');
    const warnings = dry.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    const path = join(dir, 'relay_recipients');
    expect(warnings).to.deep.equal([
      `warning: hand: skipped ${path}:5 "no-value@people.example": no value (a lookup table line is "address  value"; postmap would skip it too)`,
      // postmap too reads the key "bad" (white space ends the key) and the rest as its value
      `warning: hand: skipped ${path}:8 "bad": no @`,
      `warning: staff: skipped ${join(dir, 'staff.txt')}:3 "stray@elsewhere.example": domain elsewhere.example is not a relay domain in any source`,
    ]);
    const r = await runMxdir(['sync', '-c', file], { env });
    expect(r.code, r.stderr).to.equal(0);
    const published = await readPublished(slapd, base);
    expect(published.domains).to.deep.equal(['example.com', 'legacy.example', 'people.example', 'staff.example']);
    expect(published.keys).to.deep.equal([
      '@legacy.example',
      'alice@example.com',
      'bob@example.com',
      'carol@staff.example',
      'dan@staff.example',
      'hr@people.example',
      'jobs@people.example',
    ]);
    const sources = await withRootClient(slapd, async (c) => (await c.search(base, { filter: '(mail=alice@example.com)', attributes: ['mxdirSource'] })).searchEntries[0]?.['mxdirSource']);
    expect(sources).to.deep.equal(['hand line 2', 'pfa mailbox alice@example.com']);
  });
});
