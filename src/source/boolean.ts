/**
 * An admin database's notion of "active", as each driver returns it: PostgreSQL booleans (true/false,
 * or 't'/'f' as text), MySQL/SQLite 1/0 (numbers, bigints or strings), and the words some tools
 * store. Anything else counts as inactive: publishing an address nobody enabled is the worse error.
 */
export function isTrue(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0 && !Number.isNaN(Number(value));
  if (Buffer.isBuffer(value)) return value.length > 0 && value.some((b) => b !== 0 && b !== 0x30);
  if (typeof value === 'string') return ['1', 't', 'true', 'y', 'yes', 'on'].includes(value.trim().toLowerCase());
  return false;
}

/** A column value as text: NULL is empty, binary columns decode as UTF-8 (bad bytes become U+FFFD). */
export function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}
