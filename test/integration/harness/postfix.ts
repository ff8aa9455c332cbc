// A real Postfix for tests, without touching the machine's /etc/postfix: postmap with a private
// config dir, and a private smtpd on a free loopback port (shared/reference/postfix-ldap.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, portClosed, waitForPort } from './ports.js';
import { smtpDialogue, type SmtpReply } from './smtp-client.js';

export type { SmtpReply };
import { run } from './slapd.js';

/** A folder with the minimal main.cf that `postmap -c` needs. */
export async function writePostfixConfigDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mxdir-postmap-'));
  await writeFile(join(dir, 'main.cf'), 'compatibility_level = 3.6\n');
  return dir;
}

/**
 * Looks `keys` up in an ldap: table with the real postmap, all in one process (`-q -`). Returns the
 * value per key, null when not found. A lookup error (server down) makes postmap fail: it throws.
 */
export async function postmapQuery(cfFile: string, keys: readonly string[]): Promise<Map<string, string | null>> {
  const dir = await writePostfixConfigDir();
  try {
    const r = await run('postmap', ['-c', dir, '-q', '-', `ldap:${cfFile}`], keys.join('\n') + '\n');
    if (r.code !== 0 && r.code !== 1) throw new Error(`postmap failed (exit ${r.code}): ${r.stderr.trim()}`);
    if (/warning: .*lookup error|fatal/i.test(r.stderr)) throw new Error(`postmap lookup error: ${r.stderr.trim()}`);
    const found = new Map<string, string>();
    for (const line of r.stdout.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) found.set(line.slice(0, tab), line.slice(tab + 1));
    }
    // postmap prints keys as it looked them up (lower case); answer for the keys as asked.
    return new Map(keys.map((k) => [k, found.get(k) ?? found.get(k.toLowerCase()) ?? null]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Smtpd {
  readonly port: number;
  rcpt(address: string, options?: { from?: string }): Promise<SmtpReply>;
  rcptMany(addresses: readonly string[]): Promise<Map<string, SmtpReply>>;
  log(): string;
  stop(): Promise<void>;
}

export interface SmtpdOptions {
  readonly relayDomains: string;
  readonly relayRecipientMaps: string;
  readonly transportMaps?: string;
  readonly extraMainCf?: Readonly<Record<string, string>>;
}

/** A private Postfix (master + smtpd) that checks recipients and never delivers anything. */
export async function startSmtpd(options: SmtpdOptions): Promise<Smtpd> {
  const dir = await mkdtemp(join(tmpdir(), 'mxdir-postfix-'));
  const etc = join(dir, 'etc');
  const spool = join(dir, 'spool');
  const data = join(dir, 'data');
  await Promise.all([mkdir(etc), mkdir(spool), mkdir(data)]);
  await chmod(dir, 0o755);
  const port = await freePort();
  const postfixUser = userInfo().uid === 0 ? await lookupUid('postfix') : null;
  if (postfixUser) await chown(data, postfixUser.uid, postfixUser.gid);
  const main: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: spool,
    data_directory: data,
    mydestination: '',
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    myhostname: 'mx.test.example',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.0/32',
    relay_domains: options.relayDomains,
    relay_recipient_maps: options.relayRecipientMaps,
    smtpd_recipient_restrictions: 'reject_unauth_destination',
    smtpd_relay_restrictions: 'reject_unauth_destination',
    recipient_delimiter: '+',
    // A file, not /dev/stdout: start-fg exits at once when its stdout is a pipe.
    maillog_file: join(dir, 'maillog'),
    maillog_file_prefixes: dir,
    smtpd_banner: '$myhostname ESMTP test',
    // Sessions end after RCPT TO (no DATA), so nothing is ever queued; should a test send mail
    // anyway, it waits in this private queue, which is removed on stop.
    defer_transports: 'smtp relay',
    ...(options.transportMaps ? { transport_maps: options.transportMaps } : {}),
    ...options.extraMainCf,
  };
  await writeFile(join(etc, 'main.cf'), Object.entries(main).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
  const master = (await readFile('/usr/share/postfix/master.cf.dist', 'utf8')).replace(
    /^smtp\s+inet\s.*$/m,
    `127.0.0.1:${port} inet n - n - - smtpd`,
  );
  await writeFile(join(etc, 'master.cf'), master);
  await run('postfix', ['-c', etc, 'set-permissions']).catch(() => undefined);

  let output = '';
  const child: ChildProcess = spawn('postfix', ['-c', etc, 'start-fg'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    await waitForPort(port, 20_000, alive);
  } catch (err) {
    throw new Error(`the test smtpd did not start: ${(err as Error).message}\n${output}${readLog(join(dir, 'maillog'))}`);
  }

  const smtpd: Smtpd = {
    port,
    rcpt: async (address, o = {}) => (await session(port, [address], o.from)).get(address)!,
    rcptMany: (addresses) => session(port, addresses),
    log: () => output + readLog(join(dir, 'maillog')),
    stop: async () => {
      await run('postfix', ['-c', etc, 'stop']);
      const exited = alive() ? new Promise((r) => child.once('exit', r)) : Promise.resolve();
      const timer = setTimeout(() => {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      }, 10_000);
      await exited;
      clearTimeout(timer);
      for (let i = 0; i < 100 && !(await portClosed(port)); i++) await new Promise((r) => setTimeout(r, 50));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return smtpd;
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

async function lookupUid(user: string): Promise<{ uid: number; gid: number } | null> {
  const r = await run('id', ['-u', user]);
  const g = await run('id', ['-g', user]);
  return r.code === 0 && g.code === 0 ? { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) } : null;
}

/** One SMTP session: EHLO, MAIL FROM, one RCPT TO per address; the RCPT replies by address. */
async function session(port: number, addresses: readonly string[], from = 'sender@example.net'): Promise<Map<string, SmtpReply>> {
  const script = ['EHLO client.test.example', `MAIL FROM:<${from}>`, ...addresses.map((a) => `RCPT TO:<${a}>`), 'QUIT'];
  // EHLO and MAIL FROM must pass; the RCPT replies are what the caller asks about.
  const replies = await smtpDialogue(port, script, (i, reply) => i >= 2 || reply.code < 400);
  return new Map(addresses.map((a, i) => [a, replies[2 + i]!]));
}
