import { expect } from 'chai';
import { mapKeys, recordedDigest, renderExportMainCf, renderMapFile, unrepresentableKey } from '../../../src/postfix/index.js';

describe('postfix: exported map source files', () => {
  const meta = { generated: new Date('2026-01-02T03:04:05Z'), sources: ['pfa', 'hand'] };

  it('one "key OK" line per key, byte-sorted and de-duplicated, under a header', () => {
    const f = renderMapFile('relay_recipients', ['b@x.example', '@x.example', 'a@x.example', 'b@x.example'], meta);
    expect(f.entries).to.equal(3);
    expect(f.text.split('\n').filter((l) => !l.startsWith('#'))).to.deep.equal(['@x.example OK', 'a@x.example OK', 'b@x.example OK', '']);
    expect(f.text).to.include('# generated: 2026-01-02T03:04:05.000Z\n# sources: pfa, hand\n# entries: 3\n');
    expect(recordedDigest(f.text)).to.equal(f.digest);
  });
  it('the digest depends on the entries only, not on the time', () => {
    const a = renderMapFile('relay_domains', ['x.example'], meta);
    const b = renderMapFile('relay_domains', ['x.example'], { ...meta, generated: new Date() });
    const c = renderMapFile('relay_domains', ['y.example'], meta);
    expect(a.digest).to.equal(b.digest).and.not.equal(c.digest);
    expect(recordedDigest('a@b OK\n')).to.equal(null);
  });
  it('reads back the keys of any map source file, lower-cased, comments and continuations skipped', () => {
    expect([...mapKeys('# c\nA@x.example  OK\n  continued\n@x.example\tOK\n\n')]).to.deep.equal(['a@x.example', '@x.example']);
  });
  it('knows which keys a map source file cannot hold', () => {
    expect(unrepresentableKey('#x@a.example')).to.match(/comment/);
    expect(unrepresentableKey('a#x@a.example')).to.equal(null);
  });
  it('prints main.cf lines with the map type', () => {
    expect(renderExportMainCf('/etc/postfix', 'lmdb')).to.include('relay_domains = lmdb:/etc/postfix/relay_domains\nrelay_recipient_maps = lmdb:/etc/postfix/relay_recipients\n');
  });
});
