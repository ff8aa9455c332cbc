// What must never cost mail: an emptied or failing admin database, a killed sync, two syncs at once,
// a stale lock. Each test fails without the feature it names.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { Attribute, Change } from 'ldapts';
import { bulkDataset } from '../fixtures/bulk-dataset.js';
import { EDGE_DATASET, EXPECTED_KEYS } from '../fixtures/edge-cases.js';
import { createPostfixAdminDb, execSql, type TestDb } from '../fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished, withRootClient } from './ldap-state.js';
import { CLI, configFor, runMxdir, writeConfig } from './run-mxdir.js';
import { spawnMxdir } from './spawn-mxdir.js';

const sorted = (a: string[]) => [...a].sort();
const unique = (a: string[]) => new Set(a.map((k) => k.toLowerCase())).size === a.length;

describe('safety: guards against publishing a wrong list', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  let db: TestDb;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    slapd = await startSlapd();
    db = await createPostfixAdminDb('sqlite', EDGE_DATASET);
    env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
    const r = await runMxdir(['sync', '-c', await writeConfig(configFor(db.url, slapd))], { env });
    expect(r.code, r.stderr).to.equal(0);
  });
  after(async () => {
    await slapd?.stop();
    await db?.drop();
  });
  const base = () => `ou=mx,${slapd.suffix}`;

  it('an emptied admin database is refused (exit 3) and nothing published is lost', async () => {
    const empty = await createPostfixAdminDb('sqlite', { domains: [], mailboxes: [], aliases: [], aliasDomains: [] });
    try {
      const config = await writeConfig(configFor(empty.url, slapd));
      const dry = await runMxdir(['sync', '-c', config, '--dry-run'], { env });
      expect(dry.stdout).to.match(/REFUSED: the source yields no relay domains/);
      const r = await runMxdir(['sync', '-c', config, '--allow-mass-delete'], { env });
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/^mxdir: sync refused, nothing changed: the source yields no relay domains \(0 domains, 0 addresses\)/m);
      expect((await readPublished(slapd, base())).keys).to.deep.equal(EXPECTED_KEYS);
    } finally {
      await empty.drop();
    }
  });

  it('domains but no addresses is refused too', async () => {
    const noAddresses = await createPostfixAdminDb('sqlite', { domains: [{ domain: 'example.com' }], mailboxes: [], aliases: [], aliasDomains: [] });
    try {
      const r = await runMxdir(['sync', '-c', await writeConfig(configFor(noAddresses.url, slapd))], { env });
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/the source yields no addresses/);
      expect((await readPublished(slapd, base())).keys).to.deep.equal(EXPECTED_KEYS);
    } finally {
      await noAddresses.drop();
    }
  });

  it('a source query failing part-way writes nothing (a table missing)', async () => {
    const broken = await createPostfixAdminDb('sqlite', EDGE_DATASET);
    try {
      await execSql('sqlite', broken.url, ['DELETE FROM mailbox', 'DROP TABLE alias_domain']);
      const r = await runMxdir(['sync', '-c', await writeConfig(configFor(broken.url, slapd))], { env });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/^mxdir: read table alias_domain of sqlite:\/\/.*: no such table: alias_domain/m);
      expect((await readPublished(slapd, base())).keys).to.deep.equal(EXPECTED_KEYS);
    } finally {
      await broken.drop();
    }
  });

  it('the admin database down: exit 1, nothing written', async () => {
    const r = await runMxdir(['sync', '-c', await writeConfig(configFor('mysql://root@127.0.0.1:1/postfix', slapd))], { env });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^mxdir: connect to mysql:\/\/root@127.0.0.1:1\/postfix: .*ECONNREFUSED/m);
    expect((await readPublished(slapd, base())).keys).to.deep.equal(EXPECTED_KEYS);
  });

  it('an entry without the ownership marker is never modified or deleted; one holding a wanted key is a conflict', async () => {
    await withRootClient(slapd, async (c) => {
      await c.add(`cn=hand-made,${base()}`, [
        new Attribute({ type: 'objectClass', values: ['mxdirRecipient', 'extensibleObject'] }),
        new Attribute({ type: 'mail', values: ['alice@example.com'] }),
        new Attribute({ type: 'cn', values: ['hand-made'] }),
      ]);
      await c.add(`mail=gone@example.com,associatedDomain=example.com,${base()}`, [
        new Attribute({ type: 'objectClass', values: ['mxdirRecipient'] }),
        new Attribute({ type: 'mail', values: ['gone@example.com'] }),
        new Attribute({ type: 'mxdirManagedBy', values: ['someone-else'] }),
      ]);
    });
    const config = await writeConfig(configFor(db.url, slapd));
    const dry = await runMxdir(['sync', '-c', config, '--dry-run'], { env });
    expect(dry.stdout).to.match(/! alice@example.com: cn=hand-made,ou=mx,dc=example,dc=org \(not managed by mxdir\) also holds alice@example.com: Postfix lookups would find two entries/);
    const r = await runMxdir(['sync', '-c', config], { env });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/warning: conflict: cn=hand-made/);
    const after = await readPublished(slapd, base());
    expect(after.dns).to.include(`cn=hand-made,${base()}`);
    expect(after.keys).to.include('gone@example.com');
  });
});

describe('safety: crashes and concurrency', function () {
  this.timeout(300_000);
  const N = 3000;
  const data = bulkDataset(N, 30);
  let slapd: Slapd;
  let db: TestDb;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    db = await createPostfixAdminDb('sqlite', data);
  });
  beforeEach(async () => {
    slapd = await startSlapd();
    env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
  });
  afterEach(async () => {
    await slapd?.stop();
  });
  after(async () => {
    await db?.drop();
  });

  /** Starts a sync and SIGKILLs it after `ms`. */
  async function killedSync(config: string, ms: number): Promise<void> {
    const child = spawn(process.execPath, [CLI, 'sync', '-c', config], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, ms));
    child.kill('SIGKILL');
    await exited;
  }

  for (const transactions of ['on', 'off'] as const) {
    it(`a sync killed with SIGKILL at any point is completed exactly by the next one (transactions ${transactions})`, async () => {
      const cfg = await writeConfig({ ...configFor(db.url, slapd), ldap: { ...configFor(db.url, slapd).ldap, transactions } });
      for (const ms of [150, 400, 700, 1000, 1400]) {
        await killedSync(cfg, ms);
        // slapd 2.5.13 may segfault when a client dies under a transaction's commit (README, "Known
        // server bug"): then it is restarted, as an admin would, and the tree must still converge.
        const alive = await readPublished(slapd, `ou=mx,${slapd.suffix}`).then(() => true, () => false);
        if (!alive) {
          console.log(`      slapd died when the sync was killed at ${ms} ms (transactions ${transactions}); restarted`);
          await slapd.restart();
        }
        const published = await readPublished(slapd, `ou=mx,${slapd.suffix}`);
        expect(unique(published.keys), `duplicates after a kill at ${ms} ms`).to.equal(true);
      }
      const r = await runMxdir(['sync', '-c', cfg], { env });
      expect(r.code, r.stderr).to.equal(0);
      const check = await runMxdir(['sync', '-c', cfg, '--check'], { env });
      expect(check.code, check.stdout).to.equal(0);
      const published = await readPublished(slapd, `ou=mx,${slapd.suffix}`);
      expect(published.keys).to.deep.equal(data.keys);
      expect(unique(published.keys)).to.equal(true);
      expect(published.domains).to.deep.equal(sorted(data.domainNames));
    });
  }

  it('SIGTERM stops after the batch in hand, reports what was applied, and the next sync converges', async () => {
    const cfg = await writeConfig(configFor(db.url, slapd));
    const run = spawnMxdir(['sync', '-c', cfg, '-v'], env);
    // Signal once the sync has read the tree: it is then planning or writing.
    await run.waitFor(/read \d+ entries under/);
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    const stderr = run.stderr();
    if (code === 0) {
      // The sync finished before the signal arrived: nothing to assert about stopping.
      expect(stderr).to.match(/published/);
    } else {
      expect(code, stderr).to.equal(143);
      expect(stderr).to.match(/SIGTERM: stopping/);
      expect(stderr).to.match(/^mxdir: stopped by SIGTERM(; applied \d+ of \d+ changes before stopping| before writing; nothing changed)/m);
    }
    expect((await readPublished(slapd, `ou=mx,${slapd.suffix}`)).dns.some((dn) => dn.startsWith('cn=mxdir-lock'))).to.equal(false);
    expect((await runMxdir(['sync', '-c', cfg], { env })).code).to.equal(0);
    expect((await runMxdir(['sync', '-c', cfg, '--check'], { env })).code).to.equal(0);
  });

  it('two syncs at once on one host: the second exits 4 with a clear message, or waits with --wait-lock', async () => {
    const cfg = await writeConfig(configFor(db.url, slapd));
    // The first sync is frozen (SIGSTOP) right after it took the lock, so the second surely meets it.
    const first = spawnMxdir(['sync', '-c', cfg, '-v'], env);
    await first.waitFor(/took the sync lock/);
    first.child.kill('SIGSTOP');
    const second = await runMxdir(['sync', '-c', cfg], { env });
    first.child.kill('SIGCONT');
    expect(second.code, second.stderr).to.equal(4);
    expect(second.stderr).to.match(new RegExp(`^mxdir: another sync holds the lock on this tree \\(host \\S+, pid ${first.child.pid}, since .*\\); nothing changed`, 'm'));
    expect((await first.exited).code, first.stderr()).to.equal(0);
    expect((await readPublished(slapd, `ou=mx,${slapd.suffix}`)).keys).to.deep.equal(data.keys);

    await execSql('sqlite', db.url, [`DELETE FROM mailbox WHERE username LIKE 'user1%'`, `DELETE FROM alias WHERE address LIKE 'user1%'`]);
    try {
      // Both wait for the lock: whichever takes it first, the other waits for it and then runs.
      const [c, d] = await Promise.all([
        runMxdir(['sync', '-c', cfg, '--allow-mass-delete', '--wait-lock', '60'], { env }),
        runMxdir(['sync', '-c', cfg, '--allow-mass-delete', '--wait-lock', '60'], { env }),
      ]);
      expect(c.code, c.stderr).to.equal(0);
      expect(d.code, d.stderr).to.equal(0);
      expect(c.stderr + d.stderr).to.match(/waiting for another sync to finish \(host \S+, pid \d+/);
      expect(c.stderr + d.stderr).to.match(/nothing to change/);
      const published = await readPublished(slapd, `ou=mx,${slapd.suffix}`);
      expect(published.keys).to.deep.equal(data.keys.filter((k) => !k.startsWith('user1')));
    } finally {
      // Put the rows back for the other tests.
      const rows = data.keys.filter((k) => k.startsWith('user1'));
      await execSql('sqlite', db.url, rows.flatMap((k) => [
        `INSERT INTO mailbox (username, domain, active) VALUES ('${k}', '${k.split('@')[1]}', 1)`,
        `INSERT INTO alias (address, goto, domain, active) VALUES ('${k}', '${k}', '${k.split('@')[1]}', 1)`,
      ]));
    }
  });

  it('two publisher hosts syncing at once (ldap.publisher): one publishes, the other exits 4 naming it; the tree stays whole', async () => {
    const base = `ou=mx,${slapd.suffix}`;
    const as = async (publisher: string) => writeConfig({ ...configFor(db.url, slapd), ldap: { ...configFor(db.url, slapd).ldap, publisher } });
    const [cfgA, cfgB] = await Promise.all([as('mx-publisher-a.example'), as('mx-publisher-b.example')]);
    // Host A is frozen right after taking the lock: host B must meet it and name it.
    const a0 = spawnMxdir(['sync', '-c', cfgA, '-v'], env);
    await a0.waitFor(/took the sync lock/);
    a0.child.kill('SIGSTOP');
    const b0 = await runMxdir(['sync', '-c', cfgB], { env });
    a0.child.kill('SIGCONT');
    expect(b0.code, b0.stderr).to.equal(4);
    expect(b0.stderr).to.match(new RegExp(`^mxdir: another sync holds the lock on this tree \\(host mx-publisher-a\\.example, pid ${a0.child.pid},`, 'm'));
    expect((await a0.exited).code, a0.stderr()).to.equal(0);
    for (let round = 0; round < 3; round++) {
      // Then free races, with a change to publish each time: every run either publishes or exits 4.
      await execSql('sqlite', db.url, [`UPDATE mailbox SET active = ${round % 2} WHERE username = '${data.keys[round]}'`, `UPDATE alias SET active = ${round % 2} WHERE address = '${data.keys[round]}'`]);
      const [a, b] = await Promise.all([runMxdir(['sync', '-c', cfgA], { env }), runMxdir(['sync', '-c', cfgB], { env })]);
      for (const r of [a, b]) expect([0, 4], r.stderr).to.include(r.code);
      expect([a.code, b.code]).to.include(0);
      await runMxdir(['sync', '-c', cfgA], { env });
      await execSql('sqlite', db.url, [`UPDATE mailbox SET active = 1`, `UPDATE alias SET active = 1`]);
      await runMxdir(['sync', '-c', cfgB], { env });
      const published = await readPublished(slapd, base);
      expect(published.keys).to.deep.equal(data.keys);
      expect(unique(published.keys)).to.equal(true);
      expect(published.dns.some((dn) => dn.startsWith('cn=mxdir-lock'))).to.equal(false);
    }
  });

  it('a lock held by another publisher host: exit 4 naming it while fresh, taken over when its heartbeat is stale', async () => {
    const cfg = await writeConfig(configFor(db.url, slapd));
    const base = `ou=mx,${slapd.suffix}`;
    const holder = (heartbeat: string) => JSON.stringify({ host: 'mx-publisher-2.example', pid: 4242, since: heartbeat, heartbeat, token: 'x' });
    await withRootClient(slapd, async (c) => {
      await c.add(base, [new Attribute({ type: 'objectClass', values: ['organizationalUnit'] }), new Attribute({ type: 'ou', values: ['mx'] })]);
      await c.add(`cn=mxdir-lock,${base}`, [
        new Attribute({ type: 'objectClass', values: ['organizationalRole'] }),
        new Attribute({ type: 'cn', values: ['mxdir-lock'] }),
        new Attribute({ type: 'description', values: [holder(new Date().toISOString())] }),
      ]);
    });
    const held = await runMxdir(['sync', '-c', cfg], { env });
    expect(held.code).to.equal(4);
    expect(held.stderr).to.match(/another sync holds the lock on this tree \(host mx-publisher-2.example, pid 4242/);
    expect((await readPublished(slapd, base)).keys).to.deep.equal([]);

    await withRootClient(slapd, (c) =>
      c.modify(`cn=mxdir-lock,${base}`, [
        new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: [holder('2020-01-01T00:00:00.000Z')] }) }),
      ]),
    );
    const taken = await runMxdir(['sync', '-c', cfg], { env });
    expect(taken.code, taken.stderr).to.equal(0);
    expect(taken.stderr).to.match(/taking over an abandoned sync lock \(host mx-publisher-2.example, pid 4242/);
    const published = await readPublished(slapd, base);
    expect(published.keys).to.deep.equal(data.keys);
    expect(published.dns.some((dn) => dn.startsWith('cn=mxdir-lock'))).to.equal(false);
  });
});
