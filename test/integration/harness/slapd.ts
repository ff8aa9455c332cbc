// A throwaway OpenLDAP slapd for tests: its own temp dir, a free loopback port, the project's schema,
// never the system's slapd. See shared/reference/openldap.md.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, portClosed, waitForPort } from './ports.js';

/** dist/test/integration/harness -> repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const MXDIR_SCHEMA = join(REPO_ROOT, 'schema/mxdir.schema');
const STANDARD_SCHEMA = ['core', 'cosine', 'inetorgperson', 'nis', 'misc'].map((s) => `/etc/ldap/schema/${s}.schema`);

export interface SlapdOptions {
  readonly suffix?: string;
  /** Schema files after the standard ones; default: the project's mxdir.schema. */
  readonly schemaFiles?: readonly string[];
  /** Lines for the database section (overlays, ACLs, limits). */
  readonly extraConfig?: string;
  /** Lines before the database section (moduleload, TLS settings). */
  readonly extraGlobalConfig?: string;
  readonly indexes?: readonly string[];
  /** Add the suffix entry (dcObject + organization). Default true. */
  readonly seedSuffix?: boolean;
  /** Extra listener URLs, e.g. ldaps://127.0.0.1:PORT/. */
  readonly extraListeners?: readonly string[];
  /** back-mdb map size in bytes (default 1 GiB; the benchmark's million entries need more). */
  readonly maxSize?: number;
  /**
   * Run from a cn=config directory (slapd -F), converted from the generated slapd.conf, with the
   * config database open to this user over ldapi:// (SASL EXTERNAL). The data database is {1}mdb.
   */
  readonly cnConfig?: boolean;
  /**
   * A whole slapd.conf instead of the generated one (e.g. a shipped example with its placeholders
   * filled in); it must put its database under `dir`/db and its pidfile under `dir`.
   */
  readonly config?: (context: SlapdConfigContext) => string | Promise<string>;
}

export interface SlapdConfigContext {
  readonly dir: string;
  readonly suffix: string;
  readonly rootDN: string;
  readonly rootPassword: string;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Slapd {
  readonly url: string;
  readonly port: number;
  readonly ldapiUrl: string;
  readonly suffix: string;
  readonly rootDN: string;
  readonly rootPassword: string;
  readonly dir: string;
  stop(): Promise<void>;
  /** Stops the process and starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Kills the process hard (SIGKILL), keeping the data. */
  kill(): Promise<void>;
  /** How the process ended on its own (`SIGSEGV`, `exit 1`), or null while it runs. */
  died(): string | null;
  ldapsearch(args: readonly string[]): Promise<string>;
  ldapmodify(ldif: string, extraArgs?: readonly string[]): Promise<CommandResult>;
  ldapadd(ldif: string): Promise<CommandResult>;
  /** ldapmodify on cn=config as this user (SASL EXTERNAL over ldapi://); only with `cnConfig`. */
  configModify(ldif: string): Promise<CommandResult>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  const suffix = options.suffix ?? 'dc=example,dc=org';
  const rootDN = `cn=admin,${suffix}`;
  const rootPassword = randomBytes(12).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), 'mxdir-slapd-'));
  await mkdir(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  const indexes = options.indexes ?? ['objectClass eq', 'mail eq', 'associatedDomain eq', 'mxdirManagedBy eq'];
  await writeFile(
    conf,
    (await options.config?.({ dir, suffix, rootDN, rootPassword })) ?? [
      ...[...STANDARD_SCHEMA, ...(options.schemaFiles ?? [MXDIR_SCHEMA])].map((s) => `include ${s}`),
      `pidfile ${dir}/slapd.pid`,
      `argsfile ${dir}/slapd.args`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      options.extraGlobalConfig ?? '',
      ...(options.cnConfig
        ? ['database config', `access to * by dn.exact=gidNumber=${process.getgid!()}+uidNumber=${process.getuid!()},cn=peercred,cn=external,cn=auth manage by * none`]
        : []),
      'database mdb',
      `maxsize ${options.maxSize ?? 1073741824}`,
      `suffix ${suffix}`,
      `rootdn ${rootDN}`,
      `rootpw ${rootPassword}`,
      `directory ${dir}/db`,
      ...indexes.map((i) => `index ${i}`),
      options.extraConfig ?? '',
    ].join('\n') + '\n',
  );
  const check = await run('slaptest', ['-u', '-f', conf]);
  if (check.code !== 0) throw new Error(`slaptest rejected the test slapd.conf: ${check.stderr.trim()}`);
  const configDir = join(dir, 'slapd.d');
  if (options.cnConfig) {
    await mkdir(configDir);
    // slaptest writes slapd.d, then fails opening the (new, empty) mdb database: judge by the result.
    const converted = await run('slaptest', ['-f', conf, '-F', configDir]);
    if (!existsSync(join(configDir, 'cn=config.ldif'))) throw new Error(`slaptest could not convert the test slapd.conf to cn=config: ${converted.stderr.trim()}`);
  }
  const configArgs = options.cnConfig ? ['-F', configDir] : ['-f', conf];

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapiUrl = `ldapi://${encodeURIComponent(join(dir, 'ldapi'))}`;
  let child: ChildProcess | null = null;
  let stderr = '';

  const start = async (): Promise<void> => {
    stderr = '';
    // -d 0 keeps slapd in the foreground as our child, so it dies with the test run.
    const proc = spawn('slapd', ['-d', process.env.MXDIR_TEST_SLAPD_DEBUG ?? '0', ...configArgs, '-h', [`${url}/`, ldapiUrl, ...(options.extraListeners ?? [])].join(' ')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (process.env.MXDIR_TEST_SLAPD_DEBUG) process.stderr.write(d);
    });
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    child = proc;
    try {
      await waitForPort(port, 15_000, () => proc.exitCode === null && proc.signalCode === null);
    } catch (err) {
      throw new Error(`slapd did not start: ${(err as Error).message}\n${stderr}`);
    }
  };
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
    for (let i = 0; i < 100 && !(await portClosed(port)); i++) await new Promise((r) => setTimeout(r, 20));
  };

  await start();
  const bindArgs = ['-x', '-H', url, '-D', rootDN, '-w', rootPassword];
  const slapd: Slapd = {
    url,
    port,
    ldapiUrl,
    suffix,
    rootDN,
    rootPassword,
    dir,
    stop: async () => {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await halt('SIGTERM');
      await start();
    },
    kill: () => halt('SIGKILL'),
    died: () => {
      const proc = child as ChildProcess | null;
      if (!proc || (proc.exitCode === null && proc.signalCode === null)) return null;
      return proc.signalCode ?? `exit ${proc.exitCode}`;
    },
    ldapsearch: async (args) => {
      const r = await run('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', ...bindArgs, ...args]);
      if (r.code !== 0) throw new Error(`ldapsearch ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
      return r.stdout;
    },
    ldapmodify: (ldif, extraArgs = []) => run('ldapmodify', [...bindArgs, ...extraArgs], ldif),
    ldapadd: (ldif) => run('ldapmodify', ['-a', ...bindArgs], ldif),
    configModify: (ldif) => run('ldapmodify', ['-Q', '-Y', 'EXTERNAL', '-H', ldapiUrl], ldif),
  };
  if (options.seedSuffix ?? true) {
    const rdn = /^dc=([^,]+)/i.exec(suffix)?.[1] ?? 'example';
    const seeded = await slapd.ldapadd(`dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\no: ${rdn}\ndc: ${rdn}\n`);
    if (seeded.code !== 0) throw new Error(`seeding ${suffix} failed: ${seeded.stderr}`);
  }
  return slapd;
}

/** Runs a command (no shell), optionally feeding stdin; never throws on a non-zero exit. */
export function run(command: string, args: readonly string[], stdin?: string): Promise<CommandResult> {
  return new Promise((done) => {
    const child = execFile(command, [...args], { maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin?.end();
  });
}
