// Several sources at once against a real slapd: two PostfixAdmin databases (SQLite and PostgreSQL)
// and acceptAll, merged into one published set with provenance; a failing source writes nothing.
import { expect } from 'chai';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished, withRootClient } from './ldap-state.js';
import { runMxdir, writeConfig } from './run-mxdir.js';

describe('sync: several sources merged, with provenance', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  let main: TestDb;
  let legacy: TestDb;
  let env: NodeJS.ProcessEnv;
  let base: string;
  const config = (sources: unknown[], extra: Record<string, unknown> = {}) => ({
    sources,
    ldap: { url: slapd.url, bindDN: slapd.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: base },
    ...extra,
  });
  const twoSources = () => [
    { kind: 'postfixadmin', name: 'main', url: main.url },
    { kind: 'postfixadmin', name: 'legacy', url: legacy.url },
  ];

  before(async () => {
    slapd = await startSlapd();
    env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
    base = `ou=mx,${slapd.suffix}`;
    main = await createPostfixAdminDb('sqlite', {
      domains: [{ domain: 'example.com' }, { domain: 'shared.example', active: false }],
      mailboxes: [{ username: 'alice@example.com' }, { username: 'main-only@example.com' }, { username: 'off@shared.example' }],
      aliases: [{ address: 'ghost@nowhere.example' }],
      aliasDomains: [],
    });
    legacy = await createPostfixAdminDb('postgres', {
      domains: [{ domain: 'example.com' }, { domain: 'shared.example' }, { domain: 'old.example' }],
      mailboxes: [{ username: 'Alice@Example.com' }, { username: 'bob@shared.example' }, { username: 'carol@old.example' }],
      aliases: [],
      aliasDomains: [],
    });
  });
  after(async () => {
    await slapd?.stop();
    await main?.drop();
    await legacy?.drop();
  });

  it('the dry run shows every source an added address comes from; JSON carries it too', async () => {
    const file = await writeConfig(config(twoSources(), { acceptAll: ['Legacy-Relay.example'] }));
    const r = await runMxdir(['sync', '-c', file, '--dry-run'], { env });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('    + alice@example.com  (legacy mailbox Alice@Example.com; main mailbox alice@example.com)\n');
    expect(r.stdout).to.include('    + main-only@example.com  (main mailbox main-only@example.com)\n');
    expect(r.stdout).to.include('+ example.com  (relay domain added; from legacy domain example.com; main domain example.com)\n');
    expect(r.stdout).to.include('+ legacy-relay.example  (relay domain added; from config acceptAll legacy-relay.example)\n    + @legacy-relay.example  (config acceptAll legacy-relay.example)\n');
    // An address in a domain no source has is reported with its source; a switched-off domain's rows are not.
    expect(r.stderr).to.include('warning: main: skipped alias row "ghost@nowhere.example": domain nowhere.example is not a relay domain in any source');
    expect(r.stderr).to.not.include('off@shared.example');
    const json = JSON.parse((await runMxdir(['sync', '-c', file, '--dry-run', '--format', 'json'], { env })).stdout);
    const alice = json.operations.find((op: { key: string }) => op.key === 'alice@example.com');
    expect(alice.sources).to.deep.equal(['legacy mailbox Alice@Example.com', 'main mailbox alice@example.com']);
  });

  it('publishes the union, each entry recording every source row in mxdirSource', async () => {
    const file = await writeConfig(config(twoSources(), { acceptAll: ['legacy-relay.example'] }));
    const r = await runMxdir(['sync', '-c', file], { env });
    expect(r.code, r.stderr).to.equal(0);
    const published = await readPublished(slapd, base);
    expect(published.domains).to.deep.equal(['example.com', 'legacy-relay.example', 'old.example', 'shared.example']);
    // shared.example is a relay domain (legacy has it active) but main's own rows there stay out: main switched it off.
    expect(published.keys).to.deep.equal(['@legacy-relay.example', 'alice@example.com', 'bob@shared.example', 'carol@old.example', 'main-only@example.com']);
    const sources = await withRootClient(slapd, async (c) => {
      const { searchEntries } = await c.search(base, { filter: '(mail=alice@example.com)', attributes: ['mxdirSource'] });
      return searchEntries[0]?.['mxdirSource'];
    });
    expect(sources).to.deep.equal(['legacy mailbox Alice@Example.com', 'main mailbox alice@example.com']);
    expect((await runMxdir(['sync', '-c', file, '--check'], { env })).code).to.equal(0);
  });

  it('a source that cannot be read fails the sync with one line naming it, and nothing is written', async () => {
    const before = await readPublished(slapd, base);
    const broken = [{ kind: 'postfixadmin', name: 'main', url: main.url }, { kind: 'postfixadmin', name: 'gone', url: `${legacy.url}_missing` }];
    const file = await writeConfig(config(broken, { acceptAll: ['legacy-relay.example'] }));
    const r = await runMxdir(['sync', '-c', file, '--allow-mass-delete'], { env });
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^mxdir: source gone: connect to postgres:\/\/postgres@127\.0\.0\.1:5432\/mxdir_test_\w+_missing: /);
    expect(await readPublished(slapd, base)).to.deep.equal(before);
  });

  it('duplicate source names are a config error', async () => {
    const file = await writeConfig(config([{ kind: 'postfixadmin', url: main.url }, { kind: 'postfixadmin', url: legacy.url }]));
    const r = await runMxdir(['sync', '-c', file, '--dry-run'], { env });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('sources[1].name: "postfixadmin" is already the name of sources[0]');
  });
});
