// slapd 2.5.13 segfaults when End Transaction arrives while the worker thread that answered the
// transaction's last update is still finishing it (see src/directory/transaction.ts). These tests run
// the patterns that crashed it, on fresh servers (the crashes came in a server's first second), and
// assert that slapd is still running and the tree holds exactly what was committed.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { Attribute, Client } from 'ldapts';
import { endTransaction, startTransaction } from '../../src/directory/transaction.js';
import { bulkDataset } from '../fixtures/bulk-dataset.js';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished } from './ldap-state.js';
import { CLI, configFor, runMxdir, writeConfig } from './run-mxdir.js';

/** organizationalRole entries directly under `base`. */
async function countEntries(slapd: Slapd, base: string): Promise<number> {
  const out = await slapd.ldapsearch(['-b', base, '-s', 'one', '(objectClass=organizationalRole)', 'cn']);
  return (out.match(/^dn: /gm) ?? []).length;
}

/**
 * `connections` clients, each running transactions of `batch` adds with one update in flight, then
 * End Transaction as soon as the last update is answered: the layout mxdir writes with.
 */
async function transactionStorm(slapd: Slapd, options: { connections: number; transactions: number; batch: number; commit: boolean }): Promise<void> {
  const base = `ou=storm,${slapd.suffix}`;
  await slapd.ldapadd(`dn: ${base}\nobjectClass: organizationalUnit\nou: storm\n`);
  let next = 0;
  let started = 0;
  const worker = async (): Promise<void> => {
    const client = new Client({ url: slapd.url, timeout: 60_000 });
    await client.bind(slapd.rootDN, slapd.rootPassword);
    try {
      while (started < options.transactions) {
        started++;
        const txn = await startTransaction(client);
        for (let i = 0; i < options.batch; i++) {
          const cn = `e${next++}`;
          await client.add(
            `cn=${cn},${base}`,
            [new Attribute({ type: 'objectClass', values: ['organizationalRole'] }), new Attribute({ type: 'cn', values: [cn] })],
            txn.control,
          );
        }
        await endTransaction(client, txn, options.commit);
      }
    } finally {
      await client.unbind().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker)).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)} (slapd: ${slapd.died() ?? 'running'})`);
  });
}

describe('transactions: End Transaction never crashes slapd 2.5', function () {
  this.timeout(600_000);

  // Without the pause before End Transaction this crashed slapd in 8 of 10 runs: five fresh servers
  // would pass by chance about once in 3,000 attempts.
  it('four connections, transactions of 100 committed back to back: slapd survives and holds every entry', async () => {
    for (let run = 1; run <= 5; run++) {
      const slapd = await startSlapd();
      try {
        await transactionStorm(slapd, { connections: 4, transactions: 300, batch: 100, commit: true });
        expect(slapd.died(), `run ${run}`).to.equal(null);
        expect(await countEntries(slapd, `ou=storm,${slapd.suffix}`), `run ${run}`).to.equal(30_000);
      } finally {
        await slapd.stop();
      }
    }
  });

  // Aborting at once after the last update crashed it in 5 of 10 runs on one connection.
  it('transactions of 100 aborted back to back: slapd survives and nothing of them is written', async () => {
    for (let run = 1; run <= 5; run++) {
      const slapd = await startSlapd();
      try {
        await transactionStorm(slapd, { connections: 4, transactions: 300, batch: 100, commit: false });
        expect(slapd.died(), `run ${run}`).to.equal(null);
        expect(await countEntries(slapd, `ou=storm,${slapd.suffix}`), `run ${run}`).to.equal(0);
      } finally {
        await slapd.stop();
      }
    }
  });

  describe('mxdir sync with small transactions', function () {
    const data = bulkDataset(6000, 30);
    let db: TestDb;
    before(async () => {
      db = await createPostfixAdminDb('sqlite', data);
    });
    after(async () => {
      await db?.drop();
    });

    // The layout that crashed slapd in 2 of 5 syncs (ldap.batchSize 100, one connection), and four connections.
    for (const connections of [1, 4]) {
      it(`batchSize 100 over ${connections} connection(s): slapd survives and the tree converges`, async () => {
        for (let run = 1; run <= 3; run++) {
          const slapd = await startSlapd();
          try {
            const cfg = await writeConfig({ ...configFor(db.url, slapd), ldap: { ...configFor(db.url, slapd).ldap, batchSize: 100, connections, transactions: 'on' } });
            const env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
            const r = await runMxdir(['sync', '-c', cfg], { env });
            expect(slapd.died(), `run ${run}: ${r.stderr}`).to.equal(null);
            expect(r.code, r.stderr).to.equal(0);
            expect(r.stderr, r.stderr).not.to.match(/retrying|one operation at a time/);
            expect((await readPublished(slapd, `ou=mx,${slapd.suffix}`)).keys).to.deep.equal(data.keys);
          } finally {
            await slapd.stop();
          }
        }
      });
    }

    // A second signal abandons the batches in hand: the process exits only once no update is in
    // flight or just answered, since closing a connection in that window crashed slapd as well.
    it('a second SIGTERM mid-write exits 143 without crashing slapd, and the next sync converges', async () => {
      for (let run = 1; run <= 4; run++) {
        const slapd = await startSlapd();
        try {
          const cfg = await writeConfig({ ...configFor(db.url, slapd), ldap: { ...configFor(db.url, slapd).ldap, batchSize: 100, connections: 4, transactions: 'on' } });
          const env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
          const child = spawn(process.execPath, [CLI, 'sync', '-c', cfg], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
          const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
          let running = true;
          void exited.then(() => (running = false));
          while (running && (await readPublished(slapd, `ou=mx,${slapd.suffix}`)).keys.length === 0) await new Promise((r) => setTimeout(r, 20));
          child.kill('SIGTERM');
          await new Promise((r) => setTimeout(r, 30));
          child.kill('SIGTERM');
          const code = await exited;
          expect(slapd.died(), `run ${run}: ${stderr}`).to.equal(null);
          // 0: the sync was done before the signals; 1: the first signal stopped it after its batches.
          expect(code, stderr).to.be.oneOf([143, 1, 0]);
          const r = await runMxdir(['sync', '-c', cfg], { env });
          expect(r.code, r.stderr).to.equal(0);
          expect((await readPublished(slapd, `ou=mx,${slapd.suffix}`)).keys).to.deep.equal(data.keys);
          expect(slapd.died(), `run ${run}`).to.equal(null);
        } finally {
          await slapd.stop();
        }
      }
    });
  });
});
