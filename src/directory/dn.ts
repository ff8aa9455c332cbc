// RFC 4514 distinguished names: building (escaping) and parsing, hand-written because ldapts's own
// DN builder emits the obsolete RFC 2253 quoted form ("...") for values with leading or trailing spaces
// and leaves NUL unescaped, and no maintained library parses DNs for comparison. Pure: no I/O.

/** One attribute type and value of a (single-valued) RDN, value unescaped. */
export interface Ava {
  readonly type: string;
  readonly value: string;
}

const NEEDS_ESCAPE = /[\0"+,;<>\\=]|^[# ]| $/;

/** Escapes an attribute value for use in a DN string (RFC 4514 section 2.4). */
export function escapeDnValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\0') {
      out += '\\00';
    } else if ('"+,;<>\\='.includes(ch)) {
      // '=' need not be escaped by the RFC, but OpenLDAP and others do; escaping is always allowed.
      out += '\\' + ch;
    } else if ((ch === '#' && i === 0) || (ch === ' ' && (i === 0 || i === value.length - 1))) {
      out += '\\' + ch;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Builds `type=value,parent` with the value escaped. */
export function childDn(type: string, value: string, parent: string): string {
  return `${type}=${escapeDnValue(value)},${parent}`;
}

export class DnSyntaxError extends Error {}

/**
 * Parses a DN string into its RDNs, most specific first. Multi-valued RDNs (`a=1+b=2`) are kept as
 * several AVAs of one RDN. Hex-string values (`#04...`) are kept as given, since mxdir never writes them.
 */
export function parseDn(dn: string): Ava[][] {
  const rdns: Ava[][] = [];
  if (dn.trim() === '') return rdns;
  let i = 0;
  let rdn: Ava[] = [];
  const fail = (why: string): never => {
    throw new DnSyntaxError(`${why} at position ${i}`);
  };
  while (i <= dn.length) {
    while (dn[i] === ' ') i++;
    const typeStart = i;
    while (i < dn.length && dn[i] !== '=') i++;
    if (i >= dn.length) fail('attribute type without "="');
    const type = dn.slice(typeStart, i).trim();
    if (!/^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)*)$/.test(type)) fail(`bad attribute type "${type}"`);
    i++; // past '='
    while (dn[i] === ' ') i++; // lenient: space after '='
    let value = '';
    const bytes: number[] = [];
    let lastSignificant = 0; // length of value up to the last escaped or non-space character
    // Hex escapes are UTF-8 bytes; collect consecutive ones and decode them together.
    const flushBytes = (): void => {
      if (bytes.length === 0) return;
      value += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
      lastSignificant = value.length;
    };
    if (dn[i] === '#') {
      const start = i;
      while (i < dn.length && dn[i] !== ',' && dn[i] !== '+') i++;
      value = dn.slice(start, i).trim();
      lastSignificant = value.length;
    } else {
      while (i < dn.length && dn[i] !== ',' && dn[i] !== '+' && dn[i] !== ';') {
        const ch = dn[i]!;
        if (ch === '\\') {
          const next = dn[i + 1];
          if (next === undefined) fail('dangling backslash');
          if (/[0-9A-Fa-f]/.test(next!) && /[0-9A-Fa-f]/.test(dn[i + 2] ?? '')) {
            bytes.push(parseInt(dn.slice(i + 1, i + 3), 16));
            i += 3;
          } else {
            flushBytes();
            value += next;
            lastSignificant = value.length; // an escaped space is significant
            i += 2;
          }
          continue;
        }
        flushBytes();
        if (ch === '"') fail('quoted values are not RFC 4514');
        value += ch;
        if (ch !== ' ') lastSignificant = value.length;
        i++;
      }
      flushBytes();
    }
    rdn.push({ type, value: value.slice(0, lastSignificant) });
    const sep = dn[i];
    i++;
    if (sep === '+') continue;
    rdns.push(rdn);
    rdn = [];
    if (sep === undefined) break;
  }
  return rdns;
}

/** Serialises parsed RDNs back to a DN string, escaping every value the same way. */
export function formatDn(rdns: readonly (readonly Ava[])[]): string {
  return rdns.map((rdn) => rdn.map((a) => `${a.type}=${escapeDnValue(a.value)}`).join('+')).join(',');
}

const PLAIN_VALUE = '[^\\\\+";<>#=,\\s\\0]+';
const PLAIN_DN = new RegExp(`^[A-Za-z][A-Za-z0-9-]*=${PLAIN_VALUE}(?:,[A-Za-z][A-Za-z0-9-]*=${PLAIN_VALUE})*$`);

/**
 * A comparison key for DNs: types and values lower-cased (every attribute mxdir names entries by
 * matches case-insensitively), whitespace around separators dropped, escaping made canonical.
 */
export function normalizeDn(dn: string): string {
  // Fast path for the common DN (every DN mxdir writes for ordinary addresses): one AVA per RDN and
  // nothing to unescape, trim or escape, so the canonical form is the lower-cased string itself.
  if (PLAIN_DN.test(dn)) return dn.toLowerCase();
  return formatDn(
    parseDn(dn).map((rdn) =>
      rdn.map((a) => ({ type: a.type.toLowerCase(), value: a.value.toLowerCase() })).sort((x, y) => (x.type < y.type ? -1 : 1)),
    ),
  );
}

/** The parent DN of `dn` (empty string for a single RDN). */
export function parentDn(dn: string): string {
  return formatDn(parseDn(dn).slice(1));
}
