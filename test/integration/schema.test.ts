// Both forms of the schema load into a real slapd: slapd.conf (include) and cn=config (ldapadd of the
// LDIF into a running server), and the two define the same thing.
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './harness/ports.js';
import { REPO_ROOT } from './run-mxdir.js';

const run = promisify(execFile);
const STANDARD = ['core', 'cosine', 'inetorgperson', 'nis', 'misc'].map((s) => `/etc/ldap/schema/${s}.schema`);

/** The attribute type and object class definitions of an LDIF or .schema text, whitespace folded. */
function definitions(text: string, ldif: boolean): string[] {
  const withoutComments = text.replace(/^#.*\n/gm, '');
  const unfolded = ldif ? withoutComments.replace(/\n /g, '') : withoutComments.replace(/\n[ \t]+/g, ' ');
  const re = ldif ? /^olc(?:AttributeTypes|ObjectClasses): (.*)$/gm : /^(?:attributetype|objectclass)\s+(.*)$/gim;
  return [...unfolded.matchAll(re)].map((m) => m[1]!.replace(/\s+/g, ' ').trim()).sort();
}

describe('schema: mxdir.schema and mxdir.ldif', function () {
  this.timeout(60_000);

  it('define the same attribute types and object classes', async () => {
    const conf = definitions(await readFile(join(REPO_ROOT, 'schema/mxdir.schema'), 'utf8'), false);
    const ldif = definitions(await readFile(join(REPO_ROOT, 'schema/mxdir.ldif'), 'utf8'), true);
    expect(conf.length).to.be.at.least(18);
    expect(conf.some((d) => d.includes("NAME 'mxdirSyncStatus'"))).to.equal(true);
    expect(ldif).to.deep.equal(conf);
  });

  it('the LDIF loads into a running cn=config slapd after core, cosine, inetorgperson, nis and misc', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-cnconfig-'));
    const conf = join(dir, 'slapd.conf');
    const config = join(dir, 'slapd.d');
    const socket = join(dir, 'ldapi');
    await mkdir(config);
    await mkdir(join(dir, 'db'));
    const uid = process.getuid!();
    const gid = process.getgid!();
    await writeFile(
      conf,
      [
        ...STANDARD.map((s) => `include ${s}`),
        `pidfile ${dir}/slapd.pid`,
        'modulepath /usr/lib/ldap',
        'moduleload back_mdb',
        'database config',
        `access to * by dn.exact=gidNumber=${gid}+uidNumber=${uid},cn=peercred,cn=external,cn=auth manage by * none`,
        'database mdb',
        'suffix dc=example,dc=org',
        `directory ${dir}/db`,
      ].join('\n') + '\n',
    );
    await run('slaptest', ['-f', conf, '-F', config]).catch(() => undefined); // converts; mdb open may warn
    const port = await freePort();
    const url = `ldapi://${encodeURIComponent(socket)}`;
    const child = spawn('slapd', ['-d', '0', '-F', config, '-h', `${url} ldap://127.0.0.1:${port}/`], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100; i++) {
        const ok = await run('ldapsearch', ['-Q', '-Y', 'EXTERNAL', '-H', url, '-b', 'cn=config', '-s', 'base', 'dn']).then(() => true, () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await run('ldapadd', ['-Q', '-Y', 'EXTERNAL', '-H', url, '-f', join(REPO_ROOT, 'schema/mxdir.ldif')]);
      const { stdout } = await run('ldapsearch', ['-Q', '-LLL', '-Y', 'EXTERNAL', '-H', url, '-b', 'cn=schema,cn=config', '(cn=*mxdir)', 'olcObjectClasses']);
      expect(stdout.replace(/\n /g, '')).to.include("NAME 'mxdirRecipient'").and.include("NAME 'mxdirRelayDomain'");
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('indexes.conf has an equality index on every attribute the query configs filter on', async () => {
    const { renderQueryConfig } = await import('../../src/postfix/index.js');
    const text = await readFile(join(REPO_ROOT, 'schema/indexes.conf'), 'utf8');
    const indexed = new Set([...text.matchAll(/^index\s+(\S+)\s+eq/gm)].flatMap((m) => m[1]!.split(',').map((a) => a.toLowerCase())));
    for (const map of ['relay-recipients', 'relay-domains'] as const) {
      const filter = renderQueryConfig(map, { servers: ['ldap://x'], baseDN: 'o=x', startTLS: false, timeout: 1 }).match(/query_filter = (.*)/)![1]!;
      for (const [, attr] of filter.matchAll(/\((\w+)=/g)) expect(indexed.has(attr!.toLowerCase()), attr).to.equal(true);
    }
  });
});
