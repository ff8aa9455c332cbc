import { domainToASCII } from 'node:url';
import { accept, reject, type Checked } from './result.js';
import { octets, unusableText } from './text-checks.js';

// A label of letters, digits and inner hyphens (RFC 1123), as Postfix and DNS expect.
const LDH_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * Normalises a domain as stored in an admin database into the form the MX hosts look up: lower
 * case, IDNs as A-labels (UTS #46 via Node's WHATWG URL implementation, the same mapping browsers
 * and most MTAs use). Returns the reason when the value is not a usable domain name.
 */
export function normalizeDomain(raw: string): Checked<string> {
  if (raw === '') return reject('empty domain');
  const bad = unusableText(raw);
  if (bad) return reject(bad);
  if (raw.endsWith('.')) return reject('ends with a dot');
  let ascii = raw.toLowerCase();
  if (/[^\x00-\x7f]/.test(ascii) || ascii.split('.').some((l) => l.startsWith('xn--'))) {
    ascii = domainToASCII(ascii);
    if (ascii === '') return reject('not a valid internationalised domain name');
  }
  if (octets(ascii) > 253) return reject('longer than 253 octets');
  const labels = ascii.split('.');
  if (labels.length < 2) return reject('not a fully qualified domain name (no dot)');
  for (const label of labels) {
    if (label === '') return reject('has an empty label (two dots in a row)');
    if (label.length > 63) return reject(`label "${label.slice(0, 20)}..." is longer than 63 octets`);
    if (!LDH_LABEL.test(label)) return reject(`label "${label}" holds characters other than letters, digits and inner hyphens`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return reject('an IP address is not a domain name');
  return accept(ascii);
}
