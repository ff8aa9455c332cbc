// Which keys `mxdir verify` looks up, and what each lookup must answer. Pure: the randomness comes in
// as a function, so tests can fix it.

import type { MapName as AnyMap } from '../postfix/query-config.js';

/** The maps verify checks against the admin database. */
export type VerifiedMap = Extract<AnyMap, 'relay-recipients' | 'relay-domains' | 'transport'>;
type MapName = VerifiedMap;

/** Why a key is looked up. */
export type ProbeReason = 'published' | 'random' | 'listed';

export interface Probe {
  readonly map: MapName;
  readonly key: string;
  /** True when the admin database says the map must answer for the key. */
  readonly expected: boolean;
  /** The exact answer expected, where the value matters (a domain's next hop in transport_maps). */
  readonly value?: string;
  readonly reason: ProbeReason;
}

export interface ProbeInput {
  /** Keys the admin database publishes (the desired state). */
  readonly addresses: readonly string[];
  readonly domains: readonly string[];
  /** Keys the server holds, listed with the map's filter: the ones not published are looked up too. */
  readonly listedAddresses: readonly string[];
  readonly listedDomains: readonly string[];
  /** Each published domain's next hop (null: none, the domain follows relay_transport). */
  readonly transports: ReadonlyMap<string, string | null>;
  /** Look up only this many published addresses and domains (each), drawn at random; all without. */
  readonly sample?: number | undefined;
  /** How many random keys that must not exist, per map. */
  readonly negatives: number;
  /** A number in [0, 1), like Math.random. */
  readonly random: () => number;
}

export interface ProbeSet {
  readonly probes: readonly Probe[];
  readonly published: { readonly addresses: number; readonly domains: number };
  readonly sampled: { readonly addresses: number; readonly domains: number };
}

/** Published keys (all or a sample), keys held but not published, and random keys that must not exist. */
export function planProbes(input: ProbeInput): ProbeSet {
  const addresses = sample(input.addresses, input.sample, input.random);
  const domains = sample(input.domains, input.sample, input.random);
  const publishedAddresses = new Set(input.addresses);
  const publishedDomains = new Set(input.domains);
  const probes: Probe[] = [
    ...addresses.map((key) => ({ map: 'relay-recipients' as const, key, expected: true, reason: 'published' as const })),
    ...domains.map((key) => ({ map: 'relay-domains' as const, key, expected: true, reason: 'published' as const })),
    ...domains.map((key): Probe => {
      const hop = input.transports.get(key) ?? null;
      return hop === null ? { map: 'transport', key, expected: false, reason: 'published' } : { map: 'transport', key, expected: true, value: hop, reason: 'published' };
    }),
    ...unique(input.listedAddresses.filter((k) => !publishedAddresses.has(k))).map((key) => ({ map: 'relay-recipients' as const, key, expected: false, reason: 'listed' as const })),
    ...unique(input.listedDomains.filter((k) => !publishedDomains.has(k))).map((key) => ({ map: 'relay-domains' as const, key, expected: false, reason: 'listed' as const })),
  ];
  const token = (): string => Math.floor(input.random() * 36 ** 8).toString(36).padStart(8, '0');
  const someDomain = (): string => (input.domains.length > 0 ? input.domains[Math.floor(input.random() * input.domains.length)]! : 'example.invalid');
  for (let i = 0; i < input.negatives; i++) {
    // An unknown local part in a relayed domain, half of them in an unknown domain.
    const address = i % 2 === 0 ? `mxdir-verify-${token()}@${someDomain()}` : `mxdir-verify-${token()}@mxdir-verify-${token()}.invalid`;
    // An unknown domain, half of them a subdomain of a relayed one (parents never match).
    const domain = i % 2 === 0 ? `mxdir-verify-${token()}.invalid` : `mxdir-verify-${token()}.${someDomain()}`;
    if (!publishedAddresses.has(address)) probes.push({ map: 'relay-recipients', key: address, expected: false, reason: 'random' });
    if (!publishedDomains.has(domain)) {
      probes.push({ map: 'relay-domains', key: domain, expected: false, reason: 'random' });
      probes.push({ map: 'transport', key: domain, expected: false, reason: 'random' });
    }
  }
  return {
    probes,
    published: { addresses: input.addresses.length, domains: input.domains.length },
    sampled: { addresses: addresses.length, domains: domains.length },
  };
}

/** `n` distinct items drawn at random (partial Fisher-Yates), or all of them without `n`. */
function sample<T>(items: readonly T[], n: number | undefined, random: () => number): T[] {
  const copy = [...items];
  if (n === undefined || n >= copy.length) return copy;
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

const unique = (keys: readonly string[]): string[] => [...new Set(keys)];
