import { ACCEPT_ALL_SOURCE } from '../config/config.js';
import type { AdminRecords, Origin, Source } from './records.js';
import { NO_RECORDS } from './records.js';

/**
 * The config's `acceptAll` domains as records: each a relay domain with its `@domain` catch-all, for
 * relays whose recipients nobody can list. Provenance reads `config acceptAll legacy.example`.
 */
export class AcceptAllSource implements Source {
  readonly name = ACCEPT_ALL_SOURCE;
  readonly description: string;

  constructor(private readonly domains: readonly string[]) {
    this.description = `acceptAll domains (${domains.join(', ')})`;
  }

  read(): Promise<AdminRecords> {
    const origin = (domain: string): Origin => ({ source: ACCEPT_ALL_SOURCE, table: 'acceptAll', row: domain });
    return Promise.resolve({
      ...NO_RECORDS,
      domains: this.domains.map((domain) => ({ domain, active: true, origin: origin(domain) })),
      addresses: this.domains.map((domain) => ({ address: `@${domain}`, active: true, origin: origin(domain) })),
    });
  }
}
