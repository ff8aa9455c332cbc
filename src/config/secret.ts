import { inspect } from 'node:util';

/**
 * A password that cannot leak by accident: printing, string-joining, JSON or util.inspect all show
 * `***`; only `reveal()` returns the value, at the one place that hands it to a driver.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '***';
  }
  toJSON(): string {
    return '***';
  }
  [inspect.custom](): string {
    return 'Secret(***)';
  }
}

/** Every secret value loaded, so that the one top-level error handler can scrub them from any text. */
const known = new Set<string>();

export function rememberSecret(value: string): Secret {
  if (value.length >= 3) known.add(value);
  return new Secret(value);
}

/** Replaces every loaded secret in `text` with `***` (defence in depth for driver error messages). */
export function redactSecrets(text: string): string {
  let out = text;
  for (const value of known) out = out.split(value).join('***');
  return out;
}
