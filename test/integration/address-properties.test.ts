// Property test end to end (fast-check): generated addresses full of RFC 4514 DN specials, RFC 4515
// filter specials, quotes, IDN domains and case variants go into a PostfixAdmin database; after
// `mxdir sync`, an independent reader finds exactly the accepted keys, and the real postmap finds
// each one unchanged through the generated ldap-relay-recipients.cf (and no wildcard match).
import { expect } from 'chai';
import fc from 'fast-check';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeAddress } from '../../src/model/address.js';
import { normalizeDomain } from '../../src/model/domain-name.js';
import { createPostfixAdminDb } from '../fixtures/postfixadmin-db.js';
import { postmapQuery } from './harness/postfix.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished } from './ldap-state.js';
import { configFor, runMxdir, writeConfig } from './run-mxdir.js';

const SPECIALS = [...',+"\\<>;=#*()\'!$%&/?^`{|}~.-_'];
const localPart = fc
  .tuple(
    fc.constantFrom('', '#', '"', '\\', '*', '(', ',', '+', '='),
    fc.array(fc.oneof(fc.constantFrom(...SPECIALS), fc.constantFrom(...'abcxyzABCXYZ019')), { minLength: 1, maxLength: 16 }),
    fc.constantFrom('', '\\', '*', ')', '"', '=', '#'),
  )
  .map(([lead, mid, tail]) => lead + mid.join('') + tail);
const DOMAINS = ['example.com', 'Bücher.Example', 'straße.example', 'пример.test', '例え.test', 'MiXeD.example', 'x-1.example'];
const domain = fc.constantFrom(...DOMAINS);
const address = fc.tuple(localPart, domain).map(([l, d]) => `${l}@${d}`);
/** Shapes the model must refuse (white space is never part of a key): reported, never published. */
const REFUSED = [' lead@example.com', 'trail @example.com', 'in side@example.com'];

const upper = (s: string): string => s.replace(/[a-z]/g, (c) => c.toUpperCase());

describe('property: any accepted address survives publish -> read back -> Postfix lookup', function () {
  this.timeout(300_000);
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd();
  });
  after(async () => {
    await slapd?.stop();
  });

  it('generated addresses (DN and filter specials, IDN, case variants across tables): all found unchanged, --check 0', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(address, { minLength: 60, maxLength: 90, selector: (a) => a.toLowerCase() }), async (addrs) => {
        run++;
        const db = await createPostfixAdminDb('sqlite', {
          domains: DOMAINS.map((d) => ({ domain: d })),
          mailboxes: [...addrs, ...REFUSED].map((username) => ({ username })),
          // Every other address again in the alias table, as is and in upper case: each publishes once.
          aliases: addrs.filter((_, i) => i % 2 === 0).flatMap((a) => (upper(a) === a ? [{ address: a }] : [{ address: a }, { address: upper(a) }])),
          aliasDomains: [],
        });
        try {
          const base = `ou=run${run},${slapd.suffix}`;
          const c = configFor(db.url, slapd);
          const config = await writeConfig({ ...c, ldap: { ...c.ldap, baseDN: base } });
          const env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
          const sync = await runMxdir(['sync', '-c', config], { env });
          expect(sync.code, sync.stderr).to.equal(0);
          const skipped = sync.stderr.split('\n').filter((l) => l.includes('skipped'));
          expect(skipped, sync.stderr).to.have.length(REFUSED.length);
          for (const r of REFUSED) expect(sync.stderr).to.include(`skipped mailbox row ${JSON.stringify(r)}: holds white space`);

          const expected = [...new Set(addrs.map((a) => {
            const checked = normalizeAddress(a, false);
            if (!checked.ok) throw new Error(`the generator made an address the model refuses: ${a}: ${checked.reason}`);
            return checked.value.key;
          }))].sort();
          const published = await readPublished(slapd, base);
          expect(published.keys).to.deep.equal(expected);
          expect(published.domains).to.deep.equal([...new Set(DOMAINS.map((d) => (normalizeDomain(d) as { value: string }).value))].sort());

          const out = await mkdtemp(join(tmpdir(), 'mxdir-prop-'));
          await chmod(out, 0o755);
          const gen = await runMxdir(['postfix', '-c', config, '--out', out], { env });
          expect(gen.code, gen.stderr).to.equal(0);
          // Wildcards and near misses must not match: Postfix escapes *()\ in the filter (RFC 4515).
          const misses = expected
            .flatMap((k) => {
              const [local, dom] = [k.slice(0, k.lastIndexOf('@')), k.slice(k.lastIndexOf('@') + 1)];
              return [`*@${dom}`, `${local.slice(0, 1)}*@${dom}`, `${local}x@${dom}`];
            })
            .filter((k) => !expected.includes(k));
          const answers = await postmapQuery(join(out, 'ldap-relay-recipients.cf'), [...expected, ...misses]);
          for (const key of expected) expect(answers.get(key), key).to.equal(key);
          for (const key of misses) expect(answers.get(key), key).to.equal(null);

          const check = await runMxdir(['sync', '-c', config, '--check'], { env });
          expect(check.code, check.stdout).to.equal(0);
        } finally {
          await db.drop();
        }
      }),
      { numRuns: 3 },
    );
  });
});
