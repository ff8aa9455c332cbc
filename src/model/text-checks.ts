// Checks shared by domain and address validation: what makes a stored string unusable as a key.

/** The reason `value` cannot be a mail key at all, or null. */
export function unusableText(value: string): string | null {
  if (value.includes('\uFFFD')) return 'broken UTF-8 (holds U+FFFD, the replacement character)';
  if (value.includes('\0')) return 'holds a NUL character';
  // C0 controls, DEL and C1 controls: never part of an address, and unsafe in logs.
  if (/[\u0001-\u001f\u007f-\u009f]/.test(value)) return 'holds a control character';
  if (/\s/.test(value)) return 'holds white space';
  return null;
}

/** Length in octets as sent on the wire (UTF-8). */
export const octets = (value: string): number => Buffer.byteLength(value, 'utf8');
