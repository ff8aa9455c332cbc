// Postfix lookup-table source text as postmap(1) reads it: a logical line starts with non-white
// text; a line starting with white space continues the previous logical line; blank lines and lines
// whose first non-white character is `#` are ignored (there are no trailing comments). Pure.

/** One logical line: its text (continuations joined with a space) and the physical line it starts on. */
export interface LogicalLine {
  readonly line: number;
  readonly text: string;
}

export interface ParsedText {
  readonly lines: readonly LogicalLine[];
  /** Continuation lines with nothing to continue (at the top of the file), by line number. */
  readonly orphans: readonly LogicalLine[];
}

export function logicalLines(text: string): ParsedText {
  const lines: { line: number; text: string }[] = [];
  const orphans: LogicalLine[] = [];
  const physical = text.split(/\r?\n/);
  physical.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (/^\s/.test(raw)) {
      const last = lines[lines.length - 1];
      if (last) last.text = `${last.text} ${trimmed}`;
      else orphans.push({ line: i + 1, text: trimmed });
      return;
    }
    lines.push({ line: i + 1, text: raw.trimEnd() });
  });
  return { lines, orphans };
}

/** Splits a logical line into its key and the rest (the value, empty when there is none). */
export function keyAndValue(text: string): { key: string; value: string } {
  const match = /^(\S+)\s*(.*)$/.exec(text);
  return { key: match?.[1] ?? text, value: match?.[2] ?? '' };
}
