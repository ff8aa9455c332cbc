import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { SourceError } from './errors.js';
import { keyAndValue, logicalLines } from './lookup-table-text.js';
import { NO_RECORDS, type AddressRecord, type AdminRecords, type Origin, type Source, type UnreadableRow } from './records.js';

export type FileFormat = 'auto' | 'map' | 'list';

export interface FileSourceOptions {
  readonly name: string;
  readonly path: string;
  /** map: `address value` lines (a Postfix lookup table); list: one address per line; auto: map if any line has a value. */
  readonly format: FileFormat;
  /** The relay domains; without them each listed address's domain is one. */
  readonly domains?: readonly string[] | undefined;
  /** The config file's folder, for a relative path. */
  readonly baseDir: string;
}

/**
 * A hand-kept relay_recipients file (`address  anything` as postmap reads it, `@domain` a catch-all)
 * or a plain list of addresses. The value is ignored, as relay_recipient_maps does: any entry
 * accepts. Provenance is `<name> line N`; malformed lines are reported as `path:N` and skipped.
 */
export class FileSource implements Source {
  readonly name: string;
  readonly description: string;
  readonly #path: string;

  constructor(private readonly options: FileSourceOptions) {
    this.name = options.name;
    this.#path = isAbsolute(options.path) ? options.path : resolve(options.baseDir, options.path);
    this.description = `file ${this.#path}`;
  }

  async read(): Promise<AdminRecords> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      throw new SourceError(`source ${this.name}: cannot read ${this.#path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, undefined, { cause: err });
    }
    const origin = (line: number): Origin => ({ source: this.name, table: 'line', row: String(line), where: `${this.#path}:${line}` });
    const parsed = logicalLines(text);
    const unreadable: UnreadableRow[] = parsed.orphans.map((o) => ({
      origin: origin(o.line),
      value: o.text,
      reason: 'continuation line (starts with white space) with no entry before it',
    }));
    const entries = parsed.lines.map((l) => ({ line: l.line, ...keyAndValue(l.text) }));
    const format = this.options.format === 'auto' ? (entries.some((e) => e.value !== '') ? 'map' : 'list') : this.options.format;
    const declaresDomain = this.options.domains === undefined;
    const addresses: AddressRecord[] = [];
    for (const e of entries) {
      if (format === 'map' && e.value === '') {
        unreadable.push({ origin: origin(e.line), value: e.key, reason: 'no value (a lookup table line is "address  value"; postmap would skip it too)' });
      } else if (format === 'list' && e.value !== '') {
        unreadable.push({ origin: origin(e.line), value: `${e.key} ${e.value}`, reason: 'more than one field (a list holds one address per line; use format: map for "address  value" lines)' });
      } else {
        addresses.push({ address: e.key, active: true, origin: origin(e.line), ...(declaresDomain ? { declaresDomain } : {}) });
      }
    }
    return {
      ...NO_RECORDS,
      domains: (this.options.domains ?? []).map((domain) => ({ domain, active: true, origin: { source: this.name, table: 'domains', row: domain } })),
      addresses,
      unreadable,
    };
  }
}
