import { expect } from 'chai';
import { normalizeAddress, normalizeDomain } from '../../../src/model/index.js';

describe('model: normalizeDomain', () => {
  const ok: [string, string][] = [
    ['example.com', 'example.com'],
    ['Example.COM', 'example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['BÜCHER.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
    ['3com.example', '3com.example'],
  ];
  for (const [raw, want] of ok) {
    it(`accepts ${JSON.stringify(raw)} as ${want}`, () => {
      expect(normalizeDomain(raw)).to.deep.equal({ ok: true, value: want });
    });
  }
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['localhost', /no dot/],
    ['exa mple.com', /white space/],
    ['example..com', /empty label/],
    ['example.com.', /ends with a dot/],
    ['-bad.example', /letters, digits and inner hyphens/],
    ['bad-.example', /letters, digits and inner hyphens/],
    ['under_score.example', /letters, digits/],
    ['10.0.0.1', /IP address/],
    ['a'.repeat(64) + '.example', /longer than 63/],
    [(('a'.repeat(60) + '.').repeat(5)) + 'com', /longer than 253/],
    ['exa\u0000mple.com', /NUL/],
    ['exa\u0007mple.com', /control/],
    ['exa\uFFFDmple.com', /broken UTF-8/],
    ['xn--zz.example', /internationalised|letters/],
  ];
  for (const [raw, why] of bad) {
    it(`rejects ${JSON.stringify(raw).slice(0, 40)} (${why.source})`, () => {
      const r = normalizeDomain(raw);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reason).to.match(why);
    });
  }
});

describe('model: normalizeAddress', () => {
  it('lower-cases the whole address and converts an IDN domain to A-labels', () => {
    expect(normalizeAddress('John.Doe@Bücher.Example', false)).to.deep.equal({
      ok: true,
      value: { key: 'john.doe@xn--bcher-kva.example', localPart: 'john.doe', domain: 'xn--bcher-kva.example' },
    });
  });
  it('keeps +extensions and RFC 4514 / 4515 specials in the local part', () => {
    for (const local of ['user+ext', '#hash', 'a=b', 'a,b', 'star*', '(paren)', 'back\\slash', "o'neil", 'a"q', 'semi;colon', '<lt>']) {
      const r = normalizeAddress(`${local}@example.com`, false);
      expect(r.ok, local).to.equal(true);
      if (r.ok) expect(r.value.key).to.equal(`${local.toLowerCase()}@example.com`);
    }
  });
  it('accepts @domain only where catch-alls are allowed', () => {
    expect(normalizeAddress('@Example.com', true)).to.deep.equal({ ok: true, value: { key: '@example.com', localPart: '', domain: 'example.com' } });
    expect(normalizeAddress('@example.com', false)).to.deep.equal({ ok: false, reason: 'empty local part' });
  });
  const bad: [string, RegExp][] = [
    ['', /empty address/],
    ['no-at-sign', /no @/],
    ['a@b@example.com', /more than one @/],
    ['user@', /empty domain part/],
    ['us er@example.com', /white space/],
    [' user@example.com', /white space/],
    ['user@example.com\n', /control|white space/],
    ['us\u0000er@example.com', /NUL/],
    ['us\u001ber@example.com', /control/],
    ['us\uFFFDer@example.com', /broken UTF-8/],
    ['jürgen@example.com', /non-ASCII local part/],
    ['user@exa_mple.com', /domain part/],
    ['user@localhost', /domain part: .*no dot/],
    ['a'.repeat(65) + '@example.com', /local part longer than 64/],
    ['a'.repeat(60) + '@' + ('b'.repeat(60) + '.').repeat(3) + 'c'.repeat(20) + '.com', /longer than 254/],
  ];
  for (const [raw, why] of bad) {
    it(`rejects ${JSON.stringify(raw).slice(0, 40)} (${why.source})`, () => {
      const r = normalizeAddress(raw, true);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reason).to.match(why);
    });
  }
});
