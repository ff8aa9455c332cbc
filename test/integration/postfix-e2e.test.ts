// The whole chain a new user builds: PostfixAdmin database -> mxdir sync -> slapd -> mxdir postfix ->
// Postfix. postmap answers every key right through the generated query configs, and a real smtpd
// answers RCPT TO with 250 for accepted recipients, 550 for unknown ones, 554 outside relay domains.
import { expect } from 'chai';
import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createPostfixAdminDb } from '../fixtures/postfixadmin-db.js';
import { EDGE_DATASET, EXPECTED_DOMAINS, EXPECTED_KEYS, RCPT_ACCEPTED, RCPT_NOT_RELAYED, RCPT_UNKNOWN } from '../fixtures/edge-cases.js';
import { postmapQuery, startSmtpd, type Smtpd } from './harness/postfix.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { configFor, runMxdir, writeConfig } from './run-mxdir.js';

describe('end to end: generated query configs in a real Postfix', function () {
  this.timeout(180_000);
  let slapd: Slapd;
  let db: { url: string; drop(): Promise<void> };
  let smtpd: Smtpd | undefined;
  let out: string;
  let mainCf: string;

  before(async () => {
    slapd = await startSlapd();
    db = await createPostfixAdminDb('sqlite', EDGE_DATASET);
    const env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
    const config = await writeConfig(configFor(db.url, slapd));
    const sync = await runMxdir(['sync', '-c', config], { env });
    expect(sync.code, sync.stderr).to.equal(0);
    out = await mkdtemp(join(tmpdir(), 'mxdir-postfix-'));
    await chmod(out, 0o755); // like /etc/postfix: proxymap reads the files as the postfix user
    const gen = await runMxdir(['postfix', '-c', config, '--out', out], { env });
    expect(gen.code, gen.stderr).to.equal(0);
    mainCf = gen.stdout;
  });
  after(async () => {
    await smtpd?.stop();
    await slapd?.stop();
    await db?.drop();
  });

  it('prints the main.cf lines for both maps', () => {
    expect(mainCf).to.include(`relay_domains = proxy:ldap:${out}/ldap-relay-domains.cf`);
    expect(mainCf).to.include(`relay_recipient_maps = proxy:ldap:${out}/ldap-relay-recipients.cf`);
  });

  it('writes files without a password world-readable, 0644', async () => {
    expect((await stat(join(out, 'ldap-relay-recipients.cf'))).mode & 0o777).to.equal(0o644);
  });

  it('postmap -q finds every published key and nothing else', async () => {
    const cf = join(out, 'ldap-relay-recipients.cf');
    const misses = ['nobody@example.com', 'off@example.com', 'bob+news@example.com', 'a*@example.com', 's*@example.com', '*@example.com', '@example.com', 'carol@inactive.example', 'ghost@missing.example'];
    const answers = await postmapQuery(cf, [...EXPECTED_KEYS, ...misses]);
    for (const key of EXPECTED_KEYS) expect(answers.get(key), key).to.equal(key);
    for (const key of misses) expect(answers.get(key), key).to.equal(null);
  });

  it('postmap -q answers relay domains (A-labels), and not others', async () => {
    const cf = join(out, 'ldap-relay-domains.cf');
    const answers = await postmapQuery(cf, [...EXPECTED_DOMAINS, 'inactive.example', 'missing.example', 'all', 'example']);
    for (const d of EXPECTED_DOMAINS) expect(answers.get(d), d).to.equal(d);
    for (const d of ['inactive.example', 'missing.example', 'all', 'example']) expect(answers.get(d), d).to.equal(null);
  });

  it('a real smtpd accepts exactly the right recipients', async () => {
    smtpd = await startSmtpd({
      relayDomains: `proxy:ldap:${join(out, 'ldap-relay-domains.cf')}`,
      relayRecipientMaps: `proxy:ldap:${join(out, 'ldap-relay-recipients.cf')}`,
    });
    const replies = await smtpd.rcptMany([...RCPT_ACCEPTED, ...RCPT_UNKNOWN, ...RCPT_NOT_RELAYED]);
    const got = (a: string) => `${a} -> ${replies.get(a)?.code} ${replies.get(a)?.text}`;
    for (const a of RCPT_ACCEPTED) expect(replies.get(a)?.code, got(a)).to.equal(250);
    for (const a of RCPT_UNKNOWN) {
      expect(replies.get(a)?.code, got(a)).to.equal(550);
      expect(replies.get(a)?.text, got(a)).to.match(/User unknown in relay recipient table/);
    }
    // relay_domains_reject_code: 554 by default.
    for (const a of RCPT_NOT_RELAYED) expect(replies.get(a)?.code, got(a)).to.equal(554);
  });
});
