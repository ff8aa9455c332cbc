import { redactSecrets } from '../config/secret.js';

/** Where a command writes: results to stdout, messages to stderr, every line scrubbed of secrets. */
export interface Output {
  /** The command's result (a plan, main.cf lines): stdout. */
  result(text: string): void;
  /** Progress and notes for people: stderr. */
  info(line: string): void;
  /** Only with --verbose. */
  debug(line: string): void;
  warn(line: string): void;
}

export function consoleOutput(verbose: boolean): Output {
  const err = (line: string): void => {
    process.stderr.write(redactSecrets(line) + '\n');
  };
  return {
    result: (text) => process.stdout.write(redactSecrets(text)),
    info: err,
    debug: (line) => {
      if (verbose) err(line);
    },
    warn: (line) => err(`warning: ${line}`),
  };
}
