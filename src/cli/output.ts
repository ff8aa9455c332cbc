import { redactSecrets } from '../config/secret.js';

/** Structured details of a log line: shown as JSON fields with --log-format json, left out of text. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** How messages are written: `text` for people (as a terminal shows them), `json` one object a line. */
export type LogFormat = 'text' | 'json';

/** Where a command writes: results to stdout, messages to stderr, every line scrubbed of secrets. */
export interface Output {
  /** How messages are written (text when absent). */
  readonly format?: LogFormat;
  /** The command's result (a plan, main.cf lines): stdout. */
  result(text: string): void;
  /** Progress and notes for people: stderr. */
  info(line: string, fields?: LogFields): void;
  /** Only with --verbose. */
  debug(line: string, fields?: LogFields): void;
  warn(line: string, fields?: LogFields): void;
  /** An error that ends a run: `mxdir: ...` in text, as the top-level handler writes it. */
  error(line: string, fields?: LogFields): void;
}

export function consoleOutput(verbose: boolean, format: LogFormat = 'text'): Output {
  const write = (line: string): void => {
    process.stderr.write(line + '\n');
  };
  if (format === 'json') {
    const log = (level: string) => (msg: string, fields?: LogFields) => write(jsonLogLine(level, msg, fields));
    return {
      format,
      result: (text) => process.stdout.write(redactSecrets(text)),
      info: log('info'),
      debug: (msg, fields) => {
        if (verbose) log('debug')(msg, fields);
      },
      warn: log('warn'),
      error: log('error'),
    };
  }
  const err = (line: string): void => write(redactSecrets(line));
  return {
    format,
    result: (text) => process.stdout.write(redactSecrets(text)),
    info: err,
    debug: (line) => {
      if (verbose) err(line);
    },
    warn: (line) => err(`warning: ${line}`),
    error: (line) => err(`mxdir: ${line}`),
  };
}

/** One JSON object on one line: time, level, msg, then the fields; every string scrubbed of secrets. */
export function jsonLogLine(level: string, msg: string, fields: LogFields = {}, time: Date = new Date()): string {
  const record: Record<string, unknown> = { time: time.toISOString(), level, msg: redactSecrets(msg) };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || key in record) continue;
    record[key] = typeof value === 'string' ? redactSecrets(value) : value;
  }
  return JSON.stringify(record);
}
