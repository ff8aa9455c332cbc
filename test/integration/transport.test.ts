// Per-domain next hops end to end: PostfixAdmin domain.transport (and the config's transport: map) ->
// mxdir sync -> mxdirTransport on the domain entry -> mxdir postfix -> ldap-transport.cf -> postmap,
// and a real Postfix that routes a message for an accepted address to that next hop: a small SMTP
// sink on another loopback port receives it.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostfixAdminDb } from '../fixtures/postfixadmin-db.js';
import { postmapQuery, startSmtpd, type Smtpd } from './harness/postfix.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { startSmtpSink, sendMessage, type SmtpSink } from './harness/smtp-sink.js';
import { configFor, runMxdir, writeConfig } from './run-mxdir.js';

describe('per-domain next hops: domain.transport -> mxdirTransport -> transport_maps', function () {
  this.timeout(240_000);
  let slapd: Slapd;
  let sink: SmtpSink;
  let db: { url: string; drop(): Promise<void> };
  let smtpd: Smtpd | undefined;
  let config: string;
  let env: NodeJS.ProcessEnv;
  let firstSync: { code: number; stdout: string; stderr: string };
  const base = () => `ou=mx,${slapd.suffix}`;

  /** associatedDomain -> mxdirTransport (or null) of every domain entry. */
  async function publishedTransports(): Promise<Map<string, string | null>> {
    const ldif = await slapd.ldapsearch(['-b', base(), '(objectClass=mxdirRelayDomain)', 'associatedDomain', 'mxdirTransport']);
    const out = new Map<string, string | null>();
    for (const block of ldif.split('\n\n').filter((b) => b.trim())) {
      const domain = /^associatedDomain: (.*)$/m.exec(block)?.[1];
      if (domain) out.set(domain, /^mxdirTransport: (.*)$/m.exec(block)?.[1] ?? null);
    }
    return out;
  }

  before(async () => {
    slapd = await startSlapd();
    sink = await startSmtpSink();
    db = await createPostfixAdminDb('sqlite', {
      domains: [
        { domain: 'routed.example', transport: `smtp:[127.0.0.1]:${sink.port}` },
        { domain: 'virtual.example', transport: 'virtual' },
        { domain: 'empty.example', transport: 'smtp:' },
        { domain: 'dovecot.example', transport: 'lmtp:unix:private/dovecot-lmtp' },
        { domain: 'override.example', transport: null },
      ],
      mailboxes: ['alice@routed.example', 'bob@virtual.example', 'carol@override.example'].map((username) => ({ username })),
      aliases: [],
      aliasDomains: [],
    });
    env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
    config = await writeConfig(configFor(db.url, slapd, { transport: { 'override.example': 'relay:[192.0.2.25]:2525' } }));
    firstSync = await runMxdir(['sync', '-c', config], { env });
  });
  after(async () => {
    await smtpd?.stop();
    await sink?.stop();
    await slapd?.stop();
    await db?.drop();
  });

  it('publishes smtp:/relay: next hops and the config override, not PostfixAdmin delivery values', async () => {
    expect(firstSync.code, firstSync.stderr).to.equal(0);
    expect(Object.fromEntries(await publishedTransports())).to.deep.equal({
      'routed.example': `smtp:[127.0.0.1]:${sink.port}`,
      'virtual.example': null,
      'empty.example': null,
      'dovecot.example': null,
      'override.example': 'relay:[192.0.2.25]:2525',
    });
  });

  it('reports a transport it will not publish, naming the row and the value', () => {
    expect(firstSync.stderr).to.match(/skipped domain row "dovecot\.example" value "lmtp:unix:private\/dovecot-lmtp": transport not published .*lmtp:unix/);
    expect(firstSync.stderr).to.not.include('virtual.example');
  });

  it('diffs a changed next hop as a one-attribute modify, and applies it', async () => {
    const file = db.url.replace(/^sqlite:\/\//, '');
    const sqlite = new Database(file);
    sqlite.prepare('UPDATE domain SET transport = ? WHERE domain = ?').run('relay:[192.0.2.26]', 'virtual.example');
    sqlite.close();
    const dry = await runMxdir(['sync', '-c', config, '--dry-run', '--format', 'ldif'], { env });
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout, dry.stdout).to.match(/dn: associatedDomain=virtual\.example,ou=mx,dc=example,dc=org\nchangetype: modify\nreplace: mxdirTransport\nmxdirTransport: relay:\[192\.0\.2\.26\]\n-/);
    expect((await runMxdir(['sync', '-c', config], { env })).code).to.equal(0);
    expect((await publishedTransports()).get('virtual.example')).to.equal('relay:[192.0.2.26]');
    const again = await runMxdir(['sync', '-c', config, '--check'], { env });
    expect(again.code, again.stdout).to.equal(0);
  });

  it('mxdir postfix writes ldap-transport.cf and prints transport_maps; postmap answers by domain', async () => {
    const out = await mkdtemp(join(tmpdir(), 'mxdir-transport-'));
    await chmod(out, 0o755);
    const gen = await runMxdir(['postfix', '-c', config, '--out', out], { env });
    expect(gen.code, gen.stderr).to.equal(0);
    expect(gen.stdout).to.include(`transport_maps = proxy:ldap:${out}/ldap-transport.cf`);
    const cf = join(out, 'ldap-transport.cf');
    expect(await readFile(cf, 'utf8')).to.include('result_attribute = mxdirTransport');
    const answers = await postmapQuery(cf, ['routed.example', 'override.example', 'virtual.example', 'empty.example', 'alice@routed.example', 'nosuch.example']);
    expect(Object.fromEntries(answers)).to.deep.equal({
      'routed.example': `smtp:[127.0.0.1]:${sink.port}`,
      'override.example': 'relay:[192.0.2.25]:2525',
      'virtual.example': 'relay:[192.0.2.26]',
      'empty.example': null,
      'alice@routed.example': null,
      'nosuch.example': null,
    });

    // A real Postfix with all three maps: an accepted address is delivered to the published next hop.
    smtpd = await startSmtpd({
      relayDomains: `proxy:ldap:${join(out, 'ldap-relay-domains.cf')}`,
      relayRecipientMaps: `proxy:ldap:${join(out, 'ldap-relay-recipients.cf')}`,
      transportMaps: `proxy:ldap:${cf}`,
      extraMainCf: { defer_transports: '', smtp_dns_support_level: 'disabled' },
    });
    expect((await smtpd.rcpt('nobody@routed.example')).code).to.equal(550);
    const accepted = await sendMessage(smtpd.port, 'sender@example.net', 'alice@routed.example', 'routed by mxdirTransport');
    expect(accepted).to.match(/^250 /);
    const got = await sink.waitFor('alice@routed.example', 120_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${smtpd!.log()}`);
    });
    expect(got.from).to.equal('sender@example.net');
    expect(got.data).to.include('routed by mxdirTransport');
    // Postfix's own log names the transport and next hop it chose.
    const deadline = Date.now() + 30_000;
    while (!/status=sent/.test(smtpd.log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(smtpd.log()).to.match(new RegExp(`postfix/smtp\\[\\d+\\]: \\w+: to=<alice@routed\\.example>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${sink.port},.*status=sent`));
  });
});
