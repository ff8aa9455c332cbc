// RFC 2849 LDIF writing, hand-written: the LDIF packages on npm parse rather than write, or are
// unmaintained, and the writer is small. Values that are not SAFE-STRINGs (non-ASCII, leading space,
// colon or '<', trailing space, CR/LF/NUL) are base64-encoded; lines are folded at 76 columns.

const SAFE_STRING = /^(?![ :<])[\x01-\x09\x0b\x0c\x0e-\x7f]*$/;
const FOLD_AT = 76;

/** One `name: value` (or `name:: base64`) line, folded as RFC 2849 allows. */
export function ldifLine(name: string, value: string): string {
  const safe = SAFE_STRING.test(value) && !value.endsWith(' ');
  const line = safe ? `${name}: ${value}` : `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
  return fold(line);
}

function fold(line: string): string {
  if (line.length <= FOLD_AT) return line;
  const parts = [line.slice(0, FOLD_AT)];
  for (let i = FOLD_AT; i < line.length; i += FOLD_AT - 1) parts.push(' ' + line.slice(i, i + FOLD_AT - 1));
  return parts.join('\n');
}
