// Replication to every MX, with the shipped examples (schema/replication/) filled in: a provider
// (syncprov) and two consumers (syncrepl refreshAndPersist, holding only the mxdir subtree) on
// loopback ports. After a first sync and after incremental ones (adds and deletes, with and without
// RFC 5805 transactions), both consumers hold exactly the provider's entries, and postmap with the
// generated query configs answers right against each consumer. Propagation times are printed.
// The cn=config (LDIF) forms are tested the same way on slapd -F servers.
import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulkDataset } from '../fixtures/bulk-dataset.js';
import { createPostfixAdminDb, execSql, type TestDb } from '../fixtures/postfixadmin-db.js';
import { postmapQuery } from './harness/postfix.js';
import { startConfigSlapd, type ConfigSlapd } from './harness/slapd-cnconfig.js';
import { MXDIR_SCHEMA, run, startSlapd, type Slapd } from './harness/slapd.js';
import { renderExample, snapshot, waitForReplicas, type Bind } from './replication-examples.js';
import { REPO_ROOT, runMxdir, writeConfig } from './run-mxdir.js';

const SUFFIX = 'dc=example,dc=org';
const BASE = `ou=mx,${SUFFIX}`;
const REPL_DN = `cn=replicator,${SUFFIX}`;
const REPL_PASSWORD = 'repl-secret-4711';

/** The relay domains of a list of keys. */
const domainsOf = (keys: readonly string[]) => [...new Set(keys.map((k) => k.slice(k.indexOf('@') + 1)))].sort();

async function addReplicator(ldapadd: (ldif: string) => Promise<{ code: number; stderr: string }>): Promise<void> {
  const hash = (await run('slappasswd', ['-s', REPL_PASSWORD])).stdout.trim();
  expect(hash).to.match(/^\{SSHA\}/);
  const r = await ldapadd(await renderExample('replicator.ldif', { REPL_DN, REPL_PASSWORD_HASH: hash }));
  expect(r.code, r.stderr).to.equal(0);
}

/** Generated query configs pointed at `servers`, looked up with the real postmap. */
async function postmapThrough(configFile: string, servers: readonly string[], env: NodeJS.ProcessEnv, keys: readonly string[], domains: readonly string[]) {
  const { parse } = await import('yaml');
  const dir = await mkdtemp(join(tmpdir(), 'mxdir-repl-postfix-'));
  try {
    const config = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    const file = await writeConfig({ ...config, postfix: { servers } }, dir);
    const out = join(dir, 'out');
    const gen = await runMxdir(['postfix', '-c', file, '--out', out], { env });
    expect(gen.code, gen.stderr).to.equal(0);
    const cf = await readFile(join(out, 'ldap-relay-recipients.cf'), 'utf8');
    expect(cf).to.include(`server_host = ${servers.join(' ')}\n`);
    return {
      recipients: await postmapQuery(join(out, 'ldap-relay-recipients.cf'), keys),
      domains: await postmapQuery(join(out, 'ldap-relay-domains.cf'), domains),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('replication: a provider and two consumers from schema/replication/*.conf', function () {
  this.timeout(300_000);
  const data = bulkDataset(1500, 20);
  let provider: Slapd;
  const consumers: Slapd[] = [];
  let db: TestDb;
  let config: string;
  let env: NodeJS.ProcessEnv;
  let providerBind: Bind;
  let consumerBinds: Bind[];
  let keys: string[] = [...data.keys];

  const sync = async (extra: string[] = []) => {
    const r = await runMxdir(['sync', '-c', config, ...extra], { env });
    expect(r.code, r.stderr).to.equal(0);
    return { exited: Date.now(), stderr: r.stderr };
  };
  const propagated = async (label: string, exited: number) => {
    const { ms, entries } = await waitForReplicas(providerBind, consumerBinds, BASE, exited);
    console.log(`      propagation (${label}): ${entries} entries on both consumers ${ms} ms after the sync exited`);
    return entries;
  };

  before(async () => {
    provider = await startSlapd({
      suffix: SUFFIX,
      config: (c) =>
        renderExample('provider.conf', { SUFFIX, BASEDN: BASE, ROOTPW: c.rootPassword, REPL_DN, MXDIR_SCHEMA, DB_DIR: join(c.dir, 'db'), RUN_DIR: c.dir }),
    });
    await addReplicator((ldif) => provider.ldapadd(ldif));
    for (const rid of ['001', '002']) {
      consumers.push(
        await startSlapd({
          suffix: BASE,
          seedSuffix: false,
          config: (c) =>
            renderExample('consumer.conf', {
              BASEDN: BASE,
              PROVIDER_URL: provider.url,
              RID: rid,
              REPL_DN,
              REPL_PASSWORD,
              MXDIR_SCHEMA,
              DB_DIR: join(c.dir, 'db'),
              RUN_DIR: c.dir,
            }),
        }),
      );
    }
    providerBind = { url: provider.url, dn: provider.rootDN, password: provider.rootPassword };
    consumerBinds = consumers.map((c) => ({ url: c.url }));
    db = await createPostfixAdminDb('sqlite', data);
    env = { MXDIR_BIND_PASSWORD: provider.rootPassword };
    config = await writeConfig({
      source: { kind: 'postfixadmin', url: db.url },
      ldap: { url: provider.url, bindDN: provider.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: BASE },
    });
  });
  after(async () => {
    for (const c of consumers) await c.stop();
    await provider?.stop();
    await db?.drop();
  });

  it('the first sync reaches both consumers (transactions: auto)', async () => {
    const { exited } = await sync();
    const entries = await propagated('first sync, 1500 addresses', exited);
    // base, the sync status entry (it replicates too), domains, addresses
    expect(entries).to.equal(1 + 1 + 20 + 1500);
  });

  it('the consumers hold only the mxdir subtree, readable anonymously, nothing of the rest of the directory', async () => {
    const replica = await snapshot(consumerBinds[0]!, BASE);
    expect(replica.some((l) => l.startsWith(`mail=user0@d001.example,associateddomain=d001.example,${BASE} `))).to.equal(true);
    expect(await snapshot({ url: consumers[0]!.url }, REPL_DN)).to.deep.equal([]);
    // The provider keeps the replication account's password from anonymous readers.
    const asSelf = await snapshot({ url: provider.url, dn: REPL_DN, password: REPL_PASSWORD }, REPL_DN);
    expect(asSelf.join('\n')).to.include('userpassword');
    const anonymous = await snapshot({ url: provider.url }, REPL_DN);
    expect(anonymous.join('\n')).to.not.include('userpassword');
  });

  it('postmap with the generated query configs answers right against each consumer', async () => {
    const misses = ['nobody@d001.example', 'user0@d999.example', '@d001.example'];
    for (const c of consumers) {
      const answers = await postmapThrough(config, [c.url], env, [...keys, ...misses], [...data.domainNames, 'd999.example']);
      for (const k of keys) expect(answers.recipients.get(k), `${c.url} ${k}`).to.equal(k);
      for (const k of misses) expect(answers.recipients.get(k), `${c.url} ${k}`).to.equal(null);
      for (const d of data.domainNames) expect(answers.domains.get(d), d).to.equal(d);
      expect(answers.domains.get('d999.example')).to.equal(null);
    }
  });

  it('an incremental sync without transactions (adds and deletes) reaches both consumers', async () => {
    const gone = keys.filter((k) => /^user1\d\d@/.test(k)); // 100 addresses
    await execSql('sqlite', db.url, [
      `DELETE FROM mailbox WHERE username LIKE 'user1__@%'`,
      `DELETE FROM alias WHERE address LIKE 'user1__@%'`,
      ...Array.from({ length: 60 }, (_, i) => `INSERT INTO alias (address, goto, domain, active) VALUES ('new${i}@d00${(i % 9) + 1}.example', 'x@y', 'd00${(i % 9) + 1}.example', 1)`),
    ]);
    const noTxn = await writeConfig({
      source: { kind: 'postfixadmin', url: db.url },
      ldap: { url: provider.url, bindDN: provider.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: BASE, transactions: 'off' },
    });
    const r = await runMxdir(['sync', '-c', noTxn], { env });
    const exited = Date.now();
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/applied: \+60 ~0 -100/);
    keys = [...keys.filter((k) => !gone.includes(k)), ...Array.from({ length: 60 }, (_, i) => `new${i}@d00${(i % 9) + 1}.example`)].sort();
    expect(await propagated('incremental, no transactions, +60 -100', exited)).to.equal(1 + 1 + 20 + keys.length);
  });

  it('an incremental sync in transactions (adds and deletes, a whole domain) reaches both consumers', async () => {
    await execSql('sqlite', db.url, [
      `DELETE FROM domain WHERE domain = 'd020.example'`,
      ...Array.from({ length: 700 }, (_, i) => `INSERT INTO mailbox (username, local_part, domain, active) VALUES ('bulk${i}@d010.example', 'bulk${i}', 'd010.example', 1)`),
    ]);
    const { exited, stderr } = await sync(['--allow-mass-delete']);
    const dropped = keys.filter((k) => k.endsWith('@d020.example'));
    expect(stderr).to.match(new RegExp(`applied: \\+700 ~0 -${dropped.length + 1}\\b`));
    keys = [...keys.filter((k) => !dropped.includes(k)), ...Array.from({ length: 700 }, (_, i) => `bulk${i}@d010.example`)].sort();
    expect(await propagated(`incremental, transactions, +700 -${dropped.length + 1}`, exited)).to.equal(1 + 1 + 19 + keys.length);
    for (const c of consumers) {
      const answers = await postmapThrough(config, [c.url], env, [...keys, ...dropped.slice(0, 5), 'user100@d001.example'], ['d020.example', 'd010.example']);
      for (const k of keys) expect(answers.recipients.get(k), `${c.url} ${k}`).to.equal(k);
      for (const k of [...dropped.slice(0, 5), 'user100@d001.example']) expect(answers.recipients.get(k), `${c.url} ${k}`).to.equal(null);
      expect(answers.domains.get('d020.example')).to.equal(null);
      expect(answers.domains.get('d010.example')).to.equal('d010.example');
    }
  });

  it('mxdir verify from the MX hosts\' point of view: both consumers answer as the admin database says', async () => {
    const onMx = await writeConfig({
      source: { kind: 'postfixadmin', url: db.url },
      ldap: { url: provider.url, bindDN: provider.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: BASE },
      postfix: { servers: consumers.map((c) => c.ldapiUrl) },
    });
    // The consumers know nothing of mxdir's own account: the listing runs as Postfix does, anonymously
    // (consumer.conf lets paged searches list the whole subtree).
    const r = await runMxdir(['verify', '-c', onMx], { env });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stderr).to.not.include('size limit');
    const lines = r.stdout.trim().split('\n');
    expect(lines).to.have.length(2);
    for (const [i, line] of lines.entries()) {
      expect(line).to.equal(`${consumers[i]!.ldapiUrl} (via postmap): checked ${keys.length + 19 + 19 + 30} keys (${keys.length} of ${keys.length} addresses, 19 of 19 domains, 30 that must not exist): OK`);
    }
  });

  it('postfix.servers: the local replica over ldapi:// first; with it down, Postfix answers through the central server', async () => {
    const servers = [consumers[0]!.ldapiUrl, provider.url];
    const probe = [keys[0]!, keys[keys.length - 1]!, 'nobody@d001.example'];
    const up = await postmapThrough(config, servers, env, probe, ['d001.example']);
    expect(up.recipients.get(probe[0]!)).to.equal(probe[0]);
    expect(up.recipients.get('nobody@d001.example')).to.equal(null);
    await consumers[0]!.kill();
    // The first server is down: without the second, postmap fails (a lookup error).
    let failed = false;
    await postmapThrough(config, [consumers[0]!.ldapiUrl], env, probe, []).catch(() => (failed = true));
    expect(failed, 'postmap against the stopped replica alone must fail').to.equal(true);
    const down = await postmapThrough(config, servers, env, probe, ['d001.example']);
    expect(down.recipients.get(probe[0]!)).to.equal(probe[0]);
    expect(down.recipients.get(probe[1]!)).to.equal(probe[1]);
    expect(down.recipients.get('nobody@d001.example')).to.equal(null);
    expect(down.domains.get('d001.example')).to.equal('d001.example');
    await consumers[0]!.restart();
  });
});

describe('replication: the cn=config forms (provider.ldif, consumer.ldif) on slapd -F servers', function () {
  this.timeout(300_000);
  let provider: ConfigSlapd;
  let consumer: ConfigSlapd;
  let db: TestDb;

  before(async () => {
    provider = await startConfigSlapd({ suffix: SUFFIX });
    consumer = await startConfigSlapd({ suffix: null });
    const schema = await readFile(join(REPO_ROOT, 'schema/mxdir.ldif'), 'utf8');
    for (const s of [provider, consumer]) {
      const r = await s.configure(schema, true);
      expect(r.code, r.stderr).to.equal(0);
    }
    const steps: [string, string][] = [
      ['indexes.ldif', await readFile(join(REPO_ROOT, 'schema/indexes.ldif'), 'utf8')],
      ['provider.ldif', await renderExample('provider.ldif', { BASEDN: BASE, REPL_DN })],
    ];
    for (const [name, ldif] of steps) {
      const r = await provider.configure(ldif);
      expect(r.code, `${name}: ${r.stderr}`).to.equal(0);
    }
    const bind = ['-x', '-H', provider.url, '-D', provider.rootDN, '-w', provider.rootPassword];
    const seeded = await run('ldapmodify', ['-a', ...bind], `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: example\ndc: example\n`);
    expect(seeded.code, seeded.stderr).to.equal(0);
    await addReplicator((ldif) => run('ldapmodify', ['-a', ...bind], ldif));
    const dbDir = join(consumer.dir, 'replica');
    await mkdir(dbDir);
    await chmod(dbDir, 0o700);
    const added = await consumer.configure(
      await renderExample('consumer.ldif', { BASEDN: BASE, PROVIDER_URL: provider.url, RID: '001', REPL_DN, REPL_PASSWORD, DB_DIR: dbDir }),
      true,
    );
    expect(added.code, `consumer.ldif: ${added.stderr}`).to.equal(0);
  });
  after(async () => {
    await consumer?.stop();
    await provider?.stop();
    await db?.drop();
  });

  it('the provider has syncprov and the indexes; the consumer has the syncrepl database', async () => {
    const p = await run('ldapsearch', ['-Q', '-LLL', '-o', 'ldif-wrap=no', '-Y', 'EXTERNAL', '-H', provider.ldapiUrl, '-b', 'cn=config', '(|(olcOverlay=*)(olcDbIndex=*))', 'olcDbIndex', 'olcSpCheckpoint']);
    expect(p.stdout).to.include('olcSpCheckpoint: 100 10').and.include('olcDbIndex: entryCSN,entryUUID eq').and.include('olcDbIndex: mail eq');
    const c = await run('ldapsearch', ['-Q', '-LLL', '-o', 'ldif-wrap=no', '-Y', 'EXTERNAL', '-H', consumer.ldapiUrl, '-b', 'cn=config', '(olcSyncrepl=*)', 'olcSuffix']);
    expect(c.stdout).to.include(`olcSuffix: ${BASE}`);
  });

  it('a sync to the provider reaches the consumer, and postmap answers through it', async () => {
    const data = bulkDataset(600, 6, 'ldif');
    db = await createPostfixAdminDb('sqlite', data);
    const env = { MXDIR_BIND_PASSWORD: provider.rootPassword };
    const config = await writeConfig({
      source: { kind: 'postfixadmin', url: db.url },
      ldap: { url: provider.url, bindDN: provider.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: BASE },
    });
    const r = await runMxdir(['sync', '-c', config], { env });
    const exited = Date.now();
    expect(r.code, r.stderr).to.equal(0);
    const { ms, entries } = await waitForReplicas({ url: provider.url, dn: provider.rootDN, password: provider.rootPassword }, [{ url: consumer.url }], BASE, exited);
    console.log(`      propagation (cn=config forms, first sync): ${entries} entries ${ms} ms after the sync exited`);
    expect(entries).to.equal(1 + 1 + 6 + 600); // base, sync status, domains, addresses
    const answers = await postmapThrough(config, [consumer.ldapiUrl], env, [...data.keys, 'nobody@d001.example'], domainsOf(data.keys));
    for (const k of data.keys) expect(answers.recipients.get(k), k).to.equal(k);
    expect(answers.recipients.get('nobody@d001.example')).to.equal(null);
    for (const d of domainsOf(data.keys)) expect(answers.domains.get(d), d).to.equal(d);
  });
});
