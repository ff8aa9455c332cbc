import { FilterParser } from 'ldapts';

/** Why `filter` is not an RFC 4515 search filter, or null when it is (checked before connecting). */
export function filterProblem(filter: string): string | null {
  try {
    FilterParser.parseString(filter);
    return null;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.replace(/\. Full string: .*$/, '');
  }
}
