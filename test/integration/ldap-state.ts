// Reads what a slapd holds, independently of mxdir's own reader, for assertions.
import { Client, NoSuchObjectError } from 'ldapts';

export interface Published {
  readonly keys: string[];
  readonly domains: string[];
  readonly dns: string[];
}

export async function readPublished(slapd: { url: string; rootDN: string; rootPassword: string }, baseDN: string): Promise<Published> {
  const client = new Client({ url: slapd.url });
  try {
    await client.bind(slapd.rootDN, slapd.rootPassword);
    const { searchEntries } = await client
      .search(baseDN, { scope: 'sub', filter: '(objectClass=*)', attributes: ['mail', 'associatedDomain', 'objectClass'] })
      .catch((err: unknown) => {
        if (err instanceof NoSuchObjectError) return { searchEntries: [] };
        throw err;
      });
    const values = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
    const classes = (e: Record<string, unknown>) => values(e['objectClass']).map((c) => c.toLowerCase());
    return {
      keys: searchEntries.filter((e) => classes(e).includes('mxdirrecipient')).flatMap((e) => values(e['mail'])).sort(),
      domains: searchEntries.filter((e) => classes(e).includes('mxdirrelaydomain')).flatMap((e) => values(e['associatedDomain'])).sort(),
      dns: searchEntries.map((e) => e.dn),
    };
  } finally {
    await client.unbind();
  }
}

/** Runs `fn` with a root-bound client. */
export async function withRootClient<T>(slapd: { url: string; rootDN: string; rootPassword: string }, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: slapd.url });
  try {
    await client.bind(slapd.rootDN, slapd.rootPassword);
    return await fn(client);
  } finally {
    await client.unbind();
  }
}
