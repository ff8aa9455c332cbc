import { expect } from 'chai';
import { quoteValue } from '../../../src/cli/quote.js';

describe('cli: quoting source values for log lines', () => {
  it('escapes every control character, DEL, C1 controls, line separators and bidi overrides', () => {
    const hostile = 'a\u0000b\u0007c\u001bd\u007fe\u0085f\u009bg\u2028h\u202ei\u2066j';
    const quoted = quoteValue(hostile);
    expect(quoted).to.equal('"a\\u0000b\\u0007c\\u001bd\\u007fe\\u0085f\\u009bg\\u2028h\\u202ei\\u2066j"');
    expect(quoted).to.match(/^[\x20-\x7e]+$/);
  });
  it('leaves ordinary text, non-ASCII letters and U+FFFD readable', () => {
    expect(quoteValue('info@bücher.example')).to.equal('"info@bücher.example"');
    expect(quoteValue('bad\ufffd@x')).to.equal('"bad\ufffd@x"');
  });
});
