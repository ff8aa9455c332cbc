import { expect } from 'chai';
import { expandFilter, parseQueryConfig, presenceFilter, renderQueryConfig } from '../../../src/postfix/index.js';
import { answerKey, compareAnswers, planProbes, renderVerdict, verdictOk } from '../../../src/verify/index.js';

/** A deterministic stand-in for Math.random. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const input = {
  addresses: ['a@x.example', 'b@x.example', 'c@y.example', '@y.example'],
  domains: ['x.example', 'y.example'],
  listedAddresses: ['a@x.example', 'b@x.example', 'c@y.example', '@y.example'],
  listedDomains: ['x.example', 'y.example'],
  transports: new Map<string, string | null>([['x.example', null], ['y.example', 'smtp:[mx.y.example]']]),
  negatives: 4,
  random: seeded(1),
};

describe('verify: probes', () => {
  it('looks up every published key, and random keys that must not exist in every map', () => {
    const set = planProbes(input);
    const expected = set.probes.filter((p) => p.expected && p.map !== 'transport');
    expect(expected.map((p) => p.key)).to.deep.equal([...input.addresses, ...input.domains]);
    // transport_maps: the next hop where a domain has one, nothing where it has none.
    expect(set.probes.filter((p) => p.map === 'transport' && p.reason === 'published')).to.deep.equal([
      { map: 'transport', key: 'x.example', expected: false, reason: 'published' },
      { map: 'transport', key: 'y.example', expected: true, value: 'smtp:[mx.y.example]', reason: 'published' },
    ]);
    const negatives = set.probes.filter((p) => p.reason === 'random');
    expect(negatives).to.have.length(12);
    expect(negatives.every((p) => p.reason === 'random' && p.key.includes('mxdir-verify-'))).to.equal(true);
    expect(negatives.filter((p) => p.map === 'relay-domains').some((p) => p.key.endsWith('.x.example') || p.key.endsWith('.y.example'))).to.equal(true);
  });
  it('--sample N draws N distinct addresses and N domains', () => {
    const set = planProbes({ ...input, sample: 2, negatives: 0 });
    const addresses = set.probes.filter((p) => p.map === 'relay-recipients').map((p) => p.key);
    expect(addresses).to.have.length(2);
    expect(new Set(addresses).size).to.equal(2);
    for (const a of addresses) expect(input.addresses).to.include(a);
    expect(set.sampled).to.deep.equal({ addresses: 2, domains: 2 });
    expect(set.published).to.deep.equal({ addresses: 4, domains: 2 });
  });
  it('keys the server holds but the admin database does not publish are looked up, expected absent', () => {
    const set = planProbes({ ...input, listedAddresses: [...input.listedAddresses, 'old@x.example'], negatives: 0, sample: 1 });
    expect(set.probes).to.deep.include({ map: 'relay-recipients', key: 'old@x.example', expected: false, reason: 'listed' });
  });
});

describe('verify: compare', () => {
  const probes = planProbes({ ...input, negatives: 1 });
  const answers = (override: Record<string, string | null> = {}) => {
    const m = new Map<string, string | null>();
    for (const p of probes.probes) m.set(answerKey(p.map, p.key), p.expected ? (p.value ?? p.key) : null);
    for (const [k, v] of Object.entries(override)) m.set(k, v);
    return m;
  };
  const holders = { 'relay-recipients': new Map([['a@x.example', 1]]), 'relay-domains': new Map([['x.example', 1]]) };

  it('all answers right: OK', () => {
    const v = compareAnswers({ server: 'ldap://s', via: 'postmap', probes, answers: answers(), holders });
    expect(verdictOk(v)).to.equal(true);
    expect(renderVerdict(v)).to.equal('ldap://s (via postmap): checked 11 keys (4 of 4 addresses, 2 of 2 domains, 3 that must not exist): OK\n');
  });
  it('a key holding a comma is one value, not two; the same key twice is a duplicate', () => {
    const comma = planProbes({ ...input, addresses: ['x=y,z@x.example'], listedAddresses: [], negatives: 0 });
    const once = new Map<string, string | null>(comma.probes.map((p) => [answerKey(p.map, p.key), p.expected ? (p.value ?? p.key) : null]));
    expect(verdictOk(compareAnswers({ server: 's', via: 'postmap', probes: comma, answers: once, holders: {} }))).to.equal(true);
    once.set(answerKey('relay-recipients', 'x=y,z@x.example'), 'x=y,z@x.example,X=Y,Z@x.example');
    const twice = compareAnswers({ server: 's', via: 'postmap', probes: comma, answers: once, holders: {} });
    expect(twice.findings).to.deep.equal([{ kind: 'duplicate', map: 'relay-recipients', key: 'x=y,z@x.example', detail: 'the lookup returns 2 values (x=y,z@x.example,X=Y,Z@x.example)' }]);
  });
  it('a next hop that differs from the admin database is a wrong value', () => {
    const v = compareAnswers({ server: 'ldap://s', via: 'postmap', probes, answers: answers({ [answerKey('transport', 'y.example')]: 'relay:[old.example]' }), holders });
    expect(v.counts).to.deep.equal({ missing: 0, unexpected: 0, wrong: 1, duplicate: 0 });
    const text = renderVerdict(v);
    expect(text).to.include('FAILED: 0 missing, 0 unexpected, 1 wrong values, 0 duplicates');
    expect(text).to.include('  wrong      transport_maps       y.example: the lookup answers "relay:[old.example]", the admin database says "smtp:[mx.y.example]"');
  });
  it('missing, unexpected and duplicates (several values, or several entries counted)', () => {
    const random = probes.probes.find((p) => !p.expected && p.map === 'relay-recipients')!;
    const v = compareAnswers({
      server: 'ldap://s',
      via: 'ldap',
      probes,
      answers: answers({ [answerKey('relay-recipients', 'b@x.example')]: null, [answerKey('relay-recipients', random.key)]: random.key, [answerKey('relay-recipients', 'a@x.example')]: 'a@x.example,a@x.example' }),
      holders: { ...holders, 'relay-domains': new Map([['y.example', 2]]) },
    });
    expect(v.counts).to.deep.equal({ missing: 1, unexpected: 1, wrong: 0, duplicate: 2 });
    const text = renderVerdict(v);
    expect(text).to.include('FAILED: 1 missing, 1 unexpected, 2 duplicates');
    expect(text).to.include('  missing    relay_recipient_maps b@x.example: published, but the lookup finds nothing');
    expect(text).to.include(`  unexpected relay_recipient_maps ${random.key}: a random key that must not exist`);
    expect(text).to.include('  duplicate  relay_recipient_maps a@x.example: the lookup returns 2 values (a@x.example,a@x.example)');
    expect(text).to.include('  duplicate  relay_domains        y.example: 2 entries hold this key');
  });
});

describe('postfix: reading a query config back', () => {
  const text = renderQueryConfig('relay-recipients', { servers: ['ldapi://%2Frun%2Fldapi', 'ldap://c'], baseDN: 'ou=100%,dc=x', startTLS: false, timeout: 5 });
  it('parses the settings a lookup needs', () => {
    const q = parseQueryConfig(text);
    expect(q).to.deep.equal({ serverHost: ['ldapi://%2Frun%2Fldapi', 'ldap://c'], searchBase: 'ou=100%,dc=x', scope: 'sub', queryFilter: '(&(objectClass=mxdirRecipient)(mail=%s))', resultAttribute: 'mail' });
  });
  it('expands %s with RFC 4515 escaping, as Postfix does, and %% as %', () => {
    expect(expandFilter('(mail=%s)', 's*(x)\\@d')).to.equal('(mail=s\\2a\\28x\\29\\5c@d)');
    expect(expandFilter('(&(a=100%%)(mail=%s))', 'u@d')).to.equal('(&(a=100%)(mail=u@d))');
    expect(() => expandFilter('(mail=%u)', 'u@d')).to.throw(/%u is not supported/);
    expect(presenceFilter('(&(objectClass=mxdirRecipient)(mail=%s))')).to.equal('(&(objectClass=mxdirRecipient)(mail=*))');
  });
});
