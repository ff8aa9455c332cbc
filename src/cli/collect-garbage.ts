import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * One full garbage collection, now. A sync reads the admin database into records, models them and
 * drops the records, then reads the directory: without a collection at that boundary V8 carries the
 * dead records (hundreds of megabytes at a million addresses) into the directory phase and sizes the
 * heap on them, which roughly doubles the peak memory. The collector is reached through a fresh
 * context with `--expose-gc` set only for that moment, so no `gc` global leaks into mxdir itself.
 * Costs a few tens of milliseconds; does nothing where the collector cannot be reached.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    } catch {
      gc = null;
    }
  }
  gc?.();
}
