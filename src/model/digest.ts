import { createHash } from 'node:crypto';
import type { DesiredState } from './desired-state.js';

/**
 * `sha256:<hex>` over the sorted published keys (`domain <name>` and `recipient <key>` lines): two
 * publishers, or a provider and its replicas, that show the same digest publish the same list.
 * Provenance and order do not change it; any added or removed key does.
 */
export function publishedDigest(state: DesiredState): string {
  // The same lines in the same order as sorting `domain ...` and `recipient ...` lines together
  // ('d' < 'r'), without building and sorting a million prefixed strings.
  const hash = createHash('sha256');
  for (const d of [...state.domains.keys()].sort()) hash.update(`domain ${d}\n`);
  for (const k of [...state.addresses.keys()].sort()) hash.update(`recipient ${k}\n`);
  return `sha256:${hash.digest('hex')}`;
}
