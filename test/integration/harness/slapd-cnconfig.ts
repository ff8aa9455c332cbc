// A throwaway slapd configured the cn=config way (slapd -F DIR), as Debian installs it: the
// configuration lives in the directory and changes through ldapmodify over ldapi:// with SASL
// EXTERNAL. For testing the shipped LDIF forms (schema, indexes, replication).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portClosed, waitForPort } from './ports.js';
import { run, type CommandResult } from './slapd.js';

const STANDARD_SCHEMA = ['core', 'cosine', 'inetorgperson', 'nis', 'misc'].map((s) => `/etc/ldap/schema/${s}.schema`);

export interface ConfigSlapdOptions {
  /**
   * The suffix of a first mdb database (olcDatabase={1}mdb, Debian's layout), with a rootdn and the
   * objectClass index; null for a server with the config database only.
   */
  readonly suffix: string | null;
}

export interface ConfigSlapd {
  readonly url: string;
  readonly port: number;
  readonly ldapiUrl: string;
  readonly dir: string;
  readonly rootDN: string;
  readonly rootPassword: string;
  /** ldapmodify (or ldapadd with `add`) as the config administrator: SASL EXTERNAL over ldapi://. */
  configure(ldif: string, add?: boolean): Promise<CommandResult>;
  stop(): Promise<void>;
}

export async function startConfigSlapd(options: ConfigSlapdOptions): Promise<ConfigSlapd> {
  const dir = await mkdtemp(join(tmpdir(), 'mxdir-cnconfig-'));
  const slapdD = join(dir, 'slapd.d');
  await mkdir(slapdD);
  await mkdir(join(dir, 'db'));
  const rootDN = options.suffix ? `cn=admin,${options.suffix}` : '';
  const rootPassword = randomBytes(12).toString('hex');
  const bootstrap = join(dir, 'bootstrap.conf');
  await writeFile(
    bootstrap,
    [
      ...STANDARD_SCHEMA.map((s) => `include ${s}`),
      `pidfile ${dir}/slapd.pid`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'database config',
      // Whoever runs the test (root, or the CI user) manages cn=config through the socket.
      `access to * by dn.exact=gidNumber=${process.getgid!()}+uidNumber=${process.getuid!()},cn=peercred,cn=external,cn=auth manage by * none`,
      ...(options.suffix
        ? [
            'database mdb',
            `suffix ${options.suffix}`,
            `rootdn ${rootDN}`,
            `rootpw ${rootPassword}`,
            `directory ${dir}/db`,
            'index objectClass eq',
            // Debian's default ACLs for the first database (slapd.postinst).
            'access to attrs=userPassword by self write by anonymous auth by * none',
            'access to attrs=shadowLastChange by self write by * read',
            'access to * by * read',
          ]
        : []),
    ].join('\n') + '\n',
  );
  // slaptest writes the cn=config tree, then may fail to open the empty database (it exits non-zero;
  // slapd opens it fine). -u would skip the open, but also the writing.
  const converted = await run('slaptest', ['-f', bootstrap, '-F', slapdD]);
  if (!(await access(join(slapdD, 'cn=config.ldif')).then(() => true, () => false))) {
    throw new Error(`slaptest could not convert the bootstrap config: ${converted.stderr.trim()}`);
  }

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapiUrl = `ldapi://${encodeURIComponent(join(dir, 'ldapi'))}`;
  let stderr = '';
  const child: ChildProcess = spawn('slapd', ['-d', process.env.MXDIR_TEST_SLAPD_DEBUG ?? '0', '-F', slapdD, '-h', `${url}/ ${ldapiUrl}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.MXDIR_TEST_SLAPD_DEBUG) process.stderr.write(d);
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    await waitForPort(port, 15_000, alive);
  } catch (err) {
    throw new Error(`cn=config slapd did not start: ${(err as Error).message}\n${stderr}`);
  }
  return {
    url,
    port,
    ldapiUrl,
    dir,
    rootDN,
    rootPassword,
    configure: (ldif, add = false) => run('ldapmodify', [...(add ? ['-a'] : []), '-Q', '-Y', 'EXTERNAL', '-H', ldapiUrl], ldif),
    stop: async () => {
      if (alive()) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      for (let i = 0; i < 100 && !(await portClosed(port)); i++) await new Promise((r) => setTimeout(r, 20));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
