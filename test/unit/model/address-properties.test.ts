// Property tests (fast-check): whatever characters an address holds, what the model accepts survives
// DN escaping unchanged; what it must refuse (NUL, controls, broken UTF-8) it always refuses; case
// variants and duplicates across tables publish once.
import { expect } from 'chai';
import fc from 'fast-check';
import { childDn, parseDn } from '../../../src/directory/dn.js';
import { normalizeAddress } from '../../../src/model/address.js';
import { buildDesiredState } from '../../../src/model/build-desired-state.js';
import type { AdminRecords } from '../../../src/source/records.js';

/** Local-part characters, RFC 4514 DN specials and RFC 4515 filter specials included. */
const LOCAL_CHARS = [...'abcXYZ019._-+,"\\<>;=#*()\'!$%&/?^`{|}~'];
const localPart = fc.array(fc.constantFrom(...LOCAL_CHARS), { minLength: 1, maxLength: 20 }).map((a) => a.join(''));
/** Domain labels, some of them IDN (U-labels the model turns into A-labels). */
const label = fc.oneof(
  fc.array(fc.constantFrom(...'abcdefghxyz0123456789'), { minLength: 1, maxLength: 10 }).map((a) => a.join('')),
  fc.constantFrom('bücher', 'straße', 'müller', '例え', 'пример', 'ελληνικά', 'δοκιμή'),
);
const domain = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('example', 'org', 'de', 'test')).map(([ls, tld]) => [...ls, tld].join('.'));
const address = fc.tuple(localPart, domain).map(([l, d]) => `${l}@${d}`);
const BASE = 'associatedDomain=example.org,ou=mx,dc=example,dc=org';

/** ASCII letters only: 'ß'.toUpperCase() is 'SS', another domain altogether. */
const upper = (s: string): string => s.replace(/[a-z]/g, (c) => c.toUpperCase());
const randomCase = (s: string, flips: readonly boolean[]): string => [...s].map((c, i) => (flips[i % flips.length] ? upper(c) : c)).join('');

describe('model: address properties (fast-check)', () => {
  it('every accepted key round-trips through RFC 4514 DN escaping unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(address, fc.string({ unit: 'grapheme', maxLength: 40 })), (raw) => {
        const checked = normalizeAddress(raw, true);
        if (!checked.ok) return;
        const dn = childDn('mail', checked.value.key, BASE);
        const rdns = parseDn(dn);
        expect(rdns[0]).to.deep.equal([{ type: 'mail', value: checked.value.key }]);
        expect(rdns.length).to.equal(parseDn(BASE).length + 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('generated addresses full of specials are accepted, lower-cased, and keep every special', () => {
    fc.assert(
      fc.property(address, (raw) => {
        const checked = normalizeAddress(raw, false);
        expect(checked.ok, `${raw}: ${checked.ok ? '' : checked.reason}`).to.equal(true);
        if (!checked.ok) return;
        const [local] = raw.split('@');
        expect(checked.value.localPart).to.equal(local!.toLowerCase());
        expect(checked.value.key).to.match(/^[\x21-\x7e]+$/);
      }),
      { numRuns: 1000 },
    );
  });

  it('NUL, control characters and broken UTF-8 (U+FFFD) are always rejected', () => {
    const bad = fc.oneof(
      fc.constant('\u0000'),
      fc.integer({ min: 1, max: 0x1f }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x7f, max: 0x9f }).map((c) => String.fromCharCode(c)),
      // What Buffer.toString('utf8') makes of invalid byte sequences.
      fc.constantFrom(Buffer.from([0xc3]).toString('utf8'), Buffer.from([0xff, 0xfe]).toString('utf8'), Buffer.from([0xed, 0xa0, 0x80]).toString('utf8')),
    );
    fc.assert(
      fc.property(address, bad, fc.nat(), (raw, inject, at) => {
        const i = at % (raw.length + 1);
        const poisoned = raw.slice(0, i) + inject + raw.slice(i);
        expect(normalizeAddress(poisoned, true).ok, JSON.stringify(poisoned)).to.equal(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('case variants and duplicates across the mailbox and alias tables publish once', () => {
    fc.assert(
      fc.property(fc.uniqueArray(address, { minLength: 1, maxLength: 15, selector: (a) => a.toLowerCase() }), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (addrs, flips) => {
        const origin = (table: string, row: string) => ({ source: 'pfa', table, row });
        const domains = [...new Set(addrs.map((a) => a.split('@')[1]!))];
        const records: AdminRecords = {
          domains: domains.flatMap((d) => [
            { domain: d, active: true, transport: null, origin: origin('domain', d) },
            { domain: upper(d), active: true, transport: null, origin: origin('domain', upper(d)) },
          ]),
          mailboxes: addrs.map((a) => ({ address: a, active: true, origin: origin('mailbox', a) })),
          aliases: addrs.flatMap((a) => [
            { address: randomCase(a, flips), active: true, origin: origin('alias', randomCase(a, flips)) },
            { address: upper(a), active: true, origin: origin('alias', upper(a)) },
          ]),
          aliasDomains: [],
          addresses: [],
        };
        const { state, skipped } = buildDesiredState(records);
        expect(skipped).to.deep.equal([]);
        const expected = new Set(addrs.map((a) => normalizeAddress(a, false)).map((c) => (c.ok ? c.value.key : '')));
        expect([...state.addresses.keys()].sort()).to.deep.equal([...expected].sort());
        expect(state.domains.size).to.equal(new Set(domains.map((d) => d.toLowerCase())).size);
      }),
      { numRuns: 300 },
    );
  });
});
