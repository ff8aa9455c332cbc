/** A value, or the reason there is none. Validation returns these instead of throwing. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const accept = <T>(value: T): Checked<T> => ({ ok: true, value });
export const reject = <T = never>(reason: string): Checked<T> => ({ ok: false, reason });
