/**
 * A value from a source row, quoted for a log line: JSON string syntax, with every character that
 * could act on a terminal or hide text escaped too (JSON.stringify leaves DEL, C1 controls, line and
 * paragraph separators and bidirectional overrides raw).
 */
export function quoteValue(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
