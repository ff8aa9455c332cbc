import { createHash } from 'node:crypto';
import type { DesiredState } from './desired-state.js';

/**
 * `sha256:<hex>` over the sorted published keys (`domain <name>` and `recipient <key>` lines): two
 * publishers, or a provider and its replicas, that show the same digest publish the same list.
 * Provenance and order do not change it; any added or removed key does.
 */
export function publishedDigest(state: DesiredState): string {
  const lines = [
    ...[...state.domains.keys()].map((d) => `domain ${d}`),
    ...[...state.addresses.keys()].map((k) => `recipient ${k}`),
  ].sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line + '\n');
  return `sha256:${hash.digest('hex')}`;
}
