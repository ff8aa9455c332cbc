// RFC 5805 transactions against a real slapd: a transaction that fails leaves nothing of its batch in
// the tree, and a sync whose batch fails reports it, and converges once the cause is gone. The
// failure is real: an ACL that denies the writing account one entry (the root DN bypasses ACLs).
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Attribute, Client } from 'ldapts';
import { applyOne } from '../../src/directory/apply.js';
import { endTransaction, startTransaction } from '../../src/directory/transaction.js';
import type { AddOperation } from '../../src/sync/plan.js';
import { bulkDataset } from '../fixtures/bulk-dataset.js';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished, withRootClient } from './ldap-state.js';
import { configFor, runMxdir, writeConfig } from './run-mxdir.js';

const WRITER_PASSWORD = 'writer-secret-1';
const DENY = 'access to dn.regex="^mail=blocked@d001\\.example," by * none';

describe('transactions: a failed transaction leaves nothing of its batch', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  let db: TestDb;
  let writerDN: string;
  let base: string;
  const data = bulkDataset(30, 1);
  const keys = [...data.keys, 'blocked@d001.example'].sort();

  before(async () => {
    slapd = await startSlapd({ extraConfig: `${DENY}\naccess to * by dn.exact="cn=writer,dc=example,dc=org" write by * read` });
    writerDN = `cn=writer,${slapd.suffix}`;
    base = `ou=mx,${slapd.suffix}`;
    const seeded = await slapd.ldapadd(`dn: ${writerDN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: writer\nuserPassword: ${WRITER_PASSWORD}\n`);
    expect(seeded.code, seeded.stderr).to.equal(0);
    db = await createPostfixAdminDb('sqlite', { ...data, mailboxes: [...data.mailboxes, { username: 'blocked@d001.example' }] });
  });
  after(async () => {
    await slapd?.stop();
    await db?.drop();
  });

  it('slapd rolls back the whole transaction when one of its operations is refused', async () => {
    await withRootClient(slapd, async (c) => {
      await c.add(base, [new Attribute({ type: 'objectClass', values: ['organizationalUnit'] }), new Attribute({ type: 'ou', values: ['mx'] })]);
      await c.add(`associatedDomain=d001.example,${base}`, [
        new Attribute({ type: 'objectClass', values: ['mxdirRelayDomain'] }),
        new Attribute({ type: 'associatedDomain', values: ['d001.example'] }),
      ]);
    });
    const add = (key: string): AddOperation => ({
      op: 'add',
      kind: 'recipient',
      dn: `mail=${key},associatedDomain=d001.example,${base}`,
      key,
      domain: 'd001.example',
      attributes: { objectClass: ['mxdirRecipient'], mail: [key], mxdirManagedBy: ['mxdir'] },
    });
    const client = new Client({ url: slapd.url });
    await client.bind(writerDN, WRITER_PASSWORD);
    let failed: unknown = null;
    try {
      const txn = await startTransaction(client);
      try {
        // One operation in flight at a time, as the writer does.
        for (const key of ['first@d001.example', 'blocked@d001.example', 'last@d001.example']) await applyOne(client, add(key), txn.control);
        await endTransaction(client, txn, true);
      } catch (err) {
        failed = err;
        await endTransaction(client, txn, false).catch(() => undefined);
      }
    } finally {
      await client.unbind();
    }
    expect(failed, 'the transaction must fail').to.not.equal(null);
    expect((await readPublished(slapd, base)).keys).to.deep.equal([]);
    await withRootClient(slapd, async (c) => {
      await c.del(`associatedDomain=d001.example,${base}`);
      await c.del(base);
    });
  });

  it('a sync whose transaction fails reports the entry, and the next sync converges once it may be written', async () => {
    const config = await writeConfig(
      configFor(db.url, { ...slapd, rootDN: writerDN }, {}),
    );
    const text = await readFile(config, 'utf8');
    await writeFile(config, text.replace(/ldap:\n/, 'ldap:\n  batchSize: 10\n  connections: 1\n  transactions: "on"\n'));
    const env = { MXDIR_BIND_PASSWORD: WRITER_PASSWORD };

    const first = await runMxdir(['sync', '-c', config], { env });
    expect(first.code, first.stderr).to.equal(1);
    expect(first.stderr).to.match(/a transaction of 10 (was refused|failed to commit)/);
    expect(first.stderr).to.match(/mxdir: .*mail=blocked@d001\.example,associatedDomain=d001\.example,ou=mx,dc=example,dc=org.*insufficient access/);
    const partial = (await readPublished(slapd, base)).keys;
    expect(partial).to.not.include('blocked@d001.example');
    expect(partial.length).to.be.lessThan(keys.length);

    // The cause goes away (the ACL is lifted); the next sync publishes exactly the rest.
    const conf = join(slapd.dir, 'slapd.conf');
    await writeFile(conf, (await readFile(conf, 'utf8')).replace(DENY, ''));
    await slapd.restart();
    const second = await runMxdir(['sync', '-c', config], { env });
    expect(second.code, second.stderr).to.equal(0);
    expect((await readPublished(slapd, base)).keys).to.deep.equal(keys);
    const check = await runMxdir(['sync', '-c', config, '--check'], { env });
    expect(check.code, check.stdout).to.equal(0);
  });
});
