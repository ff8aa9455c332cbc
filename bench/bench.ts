// `npm run bench`: mxdir against OpenLDAP's own client tools, on throwaway slapd instances, in one run.
// For each size: a PostfixAdmin database in SQLite (N active mailboxes, each with its self alias, in
// 500 domains), two fresh slapd (one for the baselines, one for mxdir), then
//   ldapadd of the same entries one at a time   vs   mxdir's first publish        (target <= 0.5x)
//   one ldapsearch dump of the managed subtree  vs   mxdir no-op --check and sync (target <= 3x)
//   ldapmodify of the 1% change, one at a time  vs   mxdir sync of the 1% change  (target <= no-op + writes)
// and mxdir's peak RSS (VmHWM of the child, via /usr/bin/time). Ratios compare times from the same
// run, so a busy machine slows both sides alike. Options: see USAGE.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { ddl } from '../test/fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from '../test/integration/harness/slapd.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const DOMAINS = 500;
/** Repetitions of the quick steps (dump, no-op runs); the median is reported. */
const REPEAT = 3;

const USAGE = `usage: npm run bench -- [--sizes 10k,100k] [--1m] [--1m-baselines] [--txn] [--keep]
  --sizes LIST     address counts to run (default 10k,100k)
  --1m             add 1M addresses: mxdir steps and the ldapsearch dump only, since ldapadd of a
                   million entries one at a time takes 10 minutes or more (about 25 minutes in all)
  --1m-baselines   at 1M, run the ldapadd and ldapmodify baselines too
  --txn            also time ldapadd -E txn=commit (all entries in one RFC 5805 transaction), for reference
  --keep           keep the temp dirs (databases, LDIF, slapd) for inspection
Time targets (pass/FAIL) apply from 100k addresses; smaller sizes show the ratios only.`;

interface Args {
  readonly sizes: number[];
  readonly millionBaselines: boolean;
  readonly txn: boolean;
  readonly keep: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  let sizes = [10_000, 100_000];
  let million = false;
  let millionBaselines = false;
  let txn = false;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--sizes') sizes = (argv[++i] ?? '').split(',').map(parseSize);
    else if (a === '--1m') million = true;
    else if (a === '--1m-baselines') millionBaselines = million = true;
    else if (a === '--txn') txn = true;
    else if (a === '--keep') keep = true;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${a}\n${USAGE}`);
      process.exit(1);
    }
  }
  if (million && !sizes.includes(1_000_000)) sizes.push(1_000_000);
  return { sizes, millionBaselines, txn, keep };
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`bench: "${text}" is not a size like 10k, 100k or 1m`);
  return Math.round(Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6 }[m[2]!.toLowerCase()] ?? 1));
}

interface Timed {
  readonly seconds: number;
  readonly code: number;
  /** Peak resident set of the child in MiB, when measured. */
  readonly rssMiB?: number;
  readonly stderr: string;
}

/** Runs a command, stdout to a file (or discarded), and times it from spawn to exit. */
async function timed(command: string, args: readonly string[], options: { stdout?: string; env?: NodeJS.ProcessEnv; rss?: boolean } = {}): Promise<Timed> {
  const rssFile = options.rss ? join(tmpdir(), `mxdir-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`) : null;
  const [cmd, argv] = rssFile ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args]] : [command, [...args]];
  const started = process.hrtime.bigint();
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 100_000) stderr += d.toString();
  });
  const sink = options.stdout ? createWriteStream(options.stdout) : null;
  if (sink) child.stdout.pipe(sink);
  else child.stdout.resume();
  const code = await new Promise<number>((done) => child.once('close', (c) => done(c ?? 1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink) await new Promise((r) => sink.end(r));
  let rssMiB: number | undefined;
  if (rssFile) {
    const text = await readFile(rssFile, 'utf8').catch(() => '');
    const kib = Number(text.trim().split('\n').pop());
    if (Number.isFinite(kib) && kib > 0) rssMiB = kib / 1024;
    await rm(rssFile, { force: true });
  }
  return { seconds, code, stderr, ...(rssMiB !== undefined ? { rssMiB } : {}) };
}

function must(what: string, r: Timed, ok: readonly number[] = [0]): Timed {
  if (!ok.includes(r.code)) throw new Error(`bench: ${what} exited ${r.code}:\n${r.stderr.slice(-2000)}`);
  return r;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

/** The PostfixAdmin database: `count` active mailboxes and their self aliases over 500 domains. */
function createDatabase(path: string, count: number): void {
  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  for (const s of ddl('sqlite')) db.exec(s);
  const domain = db.prepare('INSERT INTO domain (domain, active) VALUES (?, 1)');
  const mailbox = db.prepare('INSERT INTO mailbox (username, local_part, domain, active) VALUES (?, ?, ?, 1)');
  const alias = db.prepare('INSERT INTO alias (address, goto, domain, active) VALUES (?, ?, ?, 1)');
  db.transaction(() => {
    for (let d = 0; d < DOMAINS; d++) domain.run(domainName(d));
    for (let i = 0; i < count; i++) {
      const d = domainName(i % DOMAINS);
      const address = `user${i}@${d}`;
      mailbox.run(address, `user${i}`, d);
      alias.run(address, address, d);
    }
  })();
  db.close();
}

const domainName = (d: number): string => `d${String(d + 1).padStart(3, '0')}.example`;

/** 1% of the addresses change: half of them are deleted (mailbox and alias), as many new ones added. */
function changeOnePercent(path: string, count: number): number {
  const half = Math.max(1, Math.floor(count / 200));
  const db = new Database(path);
  const delMailbox = db.prepare('DELETE FROM mailbox WHERE username = ?');
  const delAlias = db.prepare('DELETE FROM alias WHERE address = ?');
  const mailbox = db.prepare('INSERT INTO mailbox (username, local_part, domain, active) VALUES (?, ?, ?, 1)');
  const alias = db.prepare('INSERT INTO alias (address, goto, domain, active) VALUES (?, ?, ?, 1)');
  db.transaction(() => {
    for (let i = 0; i < half; i++) {
      const gone = `user${i * 199}@${domainName((i * 199) % DOMAINS)}`;
      delMailbox.run(gone);
      delAlias.run(gone);
      const d = domainName(i % DOMAINS);
      const added = `new${i}@${d}`;
      mailbox.run(added, `new${i}`, d);
      alias.run(added, added, d);
    }
  })();
  db.close();
  return 2 * half;
}

interface Row {
  size: number;
  step: string;
  seconds: number | null;
  rssMiB?: number | undefined;
  /** The target in seconds and how it was derived. */
  target?: { seconds: number; rule: string } | undefined;
  /** The OpenLDAP client time this step is compared with, for the `x ldapadd` column. */
  baseline?: { seconds: number; name: string } | undefined;
}

/** The issue's time targets are set for 100k addresses and up; below, fixed costs (Node start, connect, lock) dominate. */
const TARGETS_FROM = 100_000;

async function benchSize(count: number, args: Args): Promise<Row[]> {
  const rows: Row[] = [];
  const add = (row: Row): void => {
    if (count < TARGETS_FROM) delete row.target;
    rows.push(row);
    log(`${fmtSize(count)} ${row.step}: ${row.seconds === null ? 'n/a' : `${row.seconds.toFixed(2)} s`}${row.rssMiB ? `, peak RSS ${row.rssMiB.toFixed(0)} MiB` : ''}`);
  };
  const baselines = count < 1_000_000 || args.millionBaselines;
  const work = await mkdtemp(join(tmpdir(), 'mxdir-bench-'));
  const maxSize = Math.max(1, Math.ceil((count * 4096) / 2 ** 30)) * 2 ** 30;
  const slapds: Slapd[] = [];
  try {
    log(`${fmtSize(count)}: generating the PostfixAdmin database in ${work}`);
    const dbPath = join(work, 'postfixadmin.db');
    createDatabase(dbPath, count);

    const mx = await startSlapd({ maxSize });
    slapds.push(mx);
    const base = `ou=mx,${mx.suffix}`;
    const configFile = join(work, 'mxdir.yaml');
    await writeFile(
      configFile,
      stringify({
        source: { kind: 'postfixadmin', url: `sqlite://${dbPath}` },
        ldap: { url: mx.url, bindDN: mx.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: base },
        // The 1% step deletes more than the default mass-delete guard allows at 1M.
        guards: { maxDeletePercent: 100, maxDeleteCount: 100_000_000 },
      }),
    );
    const env = { MXDIR_BIND_PASSWORD: mx.rootPassword };
    const mxdir = (extra: readonly string[], o: { stdout?: string } = {}): Promise<Timed> =>
      timed(process.execPath, [CLI, 'sync', '-c', configFile, ...extra], { env, rss: true, ...o });

    // The same entries for ldapadd as mxdir publishes: its own plan for the empty tree, as LDIF.
    const publishLdif = join(work, 'publish.ldif');
    if (baselines || args.txn) {
      const dry = must('mxdir sync --dry-run --format ldif', await mxdir(['--dry-run', '--format', 'ldif'], { stdout: publishLdif }));
      add({ size: count, step: 'mxdir dry run, empty tree (LDIF for ldapadd)', seconds: dry.seconds, rssMiB: dry.rssMiB });
    }

    let ldapaddSeconds: number | null = null;
    let dumpOn: Slapd = mx;
    let ldapBase: Slapd | null = null;
    if (baselines) {
      ldapBase = await startSlapd({ maxSize });
      slapds.push(ldapBase);
      dumpOn = ldapBase;
      log(`${fmtSize(count)}: ldapadd of ${count + DOMAINS + 1} entries, one at a time`);
      const r = must('ldapadd', await timed('ldapmodify', ['-a', '-x', '-H', ldapBase.url, '-D', ldapBase.rootDN, '-w', ldapBase.rootPassword, '-f', publishLdif]));
      ldapaddSeconds = r.seconds;
      add({ size: count, step: 'ldapadd, one entry at a time', seconds: r.seconds });
    }
    if (args.txn) {
      const t = await startSlapd({ maxSize });
      slapds.push(t);
      log(`${fmtSize(count)}: ldapadd -E txn=commit (one transaction)`);
      const r = await timed('ldapmodify', ['-a', '-x', '-E', 'txn=commit', '-H', t.url, '-D', t.rootDN, '-w', t.rootPassword, '-f', publishLdif]);
      add({ size: count, step: `ldapadd -E txn=commit (reference${r.code === 0 ? '' : `, failed: exit ${r.code}`})`, seconds: r.code === 0 ? r.seconds : null });
      await t.stop();
      slapds.splice(slapds.indexOf(t), 1);
    }

    log(`${fmtSize(count)}: mxdir first publish`);
    const publish = must('mxdir sync (first publish)', await mxdir([]));
    add({
      size: count,
      step: 'mxdir sync: first publish',
      seconds: publish.seconds,
      rssMiB: publish.rssMiB,
      target: ldapaddSeconds === null ? undefined : { seconds: 0.5 * ldapaddSeconds, rule: '0.5 x ldapadd' },
      baseline: ldapaddSeconds === null ? undefined : { seconds: ldapaddSeconds, name: 'ldapadd' },
    });
    await verifyCount(mx, base, count + DOMAINS);

    const dumps: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const r = must('ldapsearch', await timed('ldapsearch', ['-x', '-LLL', '-H', dumpOn.url, '-D', dumpOn.rootDN, '-w', dumpOn.rootPassword, '-b', `ou=mx,${dumpOn.suffix}`, '(objectClass=*)']));
      dumps.push(r.seconds);
    }
    const dump = median(dumps);
    add({ size: count, step: `ldapsearch dump of the subtree (median of ${REPEAT})`, seconds: dump });

    const noop = async (step: string, extra: readonly string[]): Promise<number> => {
      const runs: Timed[] = [];
      for (let i = 0; i < REPEAT; i++) runs.push(must(`mxdir sync ${extra.join(' ')}`, await mxdir(extra)));
      const seconds = median(runs.map((r) => r.seconds));
      add({
        size: count,
        step: `${step} (median of ${REPEAT})`,
        seconds,
        rssMiB: Math.max(...runs.map((r) => r.rssMiB ?? 0)),
        target: { seconds: 3 * dump, rule: '3 x ldapsearch' },
        baseline: { seconds: dump, name: 'ldapsearch' },
      });
      return seconds;
    };
    await noop('mxdir sync --check: no-op', ['--check']);
    const noopSync = await noop('mxdir sync: no-op', []);

    const changed = changeOnePercent(dbPath, count);
    const changeLdif = join(work, 'change.ldif');
    let writesSeconds: number | null = null;
    if (ldapBase) {
      must('mxdir sync --dry-run (1% changed)', await mxdir(['--dry-run', '--format', 'ldif'], { stdout: changeLdif }));
      const r = must('ldapmodify', await timed('ldapmodify', ['-x', '-H', ldapBase.url, '-D', ldapBase.rootDN, '-w', ldapBase.rootPassword, '-f', changeLdif]));
      writesSeconds = r.seconds;
      add({ size: count, step: `ldapmodify of the 1% change (${changed} ops), one at a time`, seconds: r.seconds });
    }
    const change = must('mxdir sync (1% changed)', await mxdir([]));
    add({
      size: count,
      step: `mxdir sync: 1% changed (${changed} ops)`,
      seconds: change.seconds,
      rssMiB: change.rssMiB,
      target: writesSeconds === null ? undefined : { seconds: noopSync + writesSeconds, rule: 'no-op sync + ldapmodify' },
    });
    must('mxdir sync --check after the change', await mxdir(['--check']));
    await verifyCount(mx, base, count + DOMAINS);
    return rows;
  } finally {
    for (const s of slapds) await s.stop().catch(() => undefined);
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }
}

/** The tree holds exactly `expected` relay domain and recipient entries. */
async function verifyCount(slapd: Slapd, base: string, expected: number): Promise<void> {
  const out = join(tmpdir(), `mxdir-bench-count-${process.pid}`);
  must('ldapsearch count', await timed('ldapsearch', ['-x', '-LLL', '-H', slapd.url, '-D', slapd.rootDN, '-w', slapd.rootPassword, '-b', base, '(|(objectClass=mxdirRecipient)(objectClass=mxdirRelayDomain))', '1.1'], { stdout: out }));
  const text = await readFile(out, 'utf8');
  await rm(out, { force: true });
  const n = text.split('\n').filter((l) => l.startsWith('dn:')).length;
  if (n !== expected) throw new Error(`bench: ${base} holds ${n} entries, expected ${expected}`);
}

const fmtSize = (n: number): string => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n));

function table(rows: readonly Row[]): string {
  const lines = [
    '| addresses | step | time (s) | vs OpenLDAP tool | target (s) | ratio to target | result | mxdir peak RSS (MiB) |',
    '| ---: | --- | ---: | ---: | --- | ---: | --- | ---: |',
  ];
  for (const r of rows) {
    const t = r.target;
    const ratio = t && r.seconds !== null ? r.seconds / t.seconds : null;
    lines.push(
      `| ${fmtSize(r.size)} | ${r.step} | ${r.seconds === null ? 'n/a' : r.seconds.toFixed(2)} | ${r.baseline && r.seconds !== null ? `${(r.seconds / r.baseline.seconds).toFixed(2)} x ${r.baseline.name}` : ''} | ${t ? `${t.seconds.toFixed(2)} (${t.rule})` : ''} | ${ratio === null ? '' : ratio.toFixed(2)} | ${ratio === null ? '' : ratio <= 1 ? 'pass' : 'FAIL'} | ${r.rssMiB ? r.rssMiB.toFixed(0) : ''} |`,
    );
  }
  return lines.join('\n');
}

/** Peak RSS per size, and the per-address cost, to show it grows linearly. */
function memoryTable(rows: readonly Row[]): string {
  const lines = ['| addresses | mxdir peak RSS, any step (MiB) | per 1k addresses (MiB) | target |', '| ---: | ---: | ---: | --- |'];
  for (const size of [...new Set(rows.map((r) => r.size))]) {
    const peak = Math.max(...rows.filter((r) => r.size === size).map((r) => r.rssMiB ?? 0));
    const target = size >= 1_000_000 ? `<= 400 MiB at 1M: ${peak <= 400 * (size / 1e6) ? 'pass' : 'FAIL'}` : '';
    lines.push(`| ${fmtSize(size)} | ${peak.toFixed(0)} | ${((peak * 1000) / size).toFixed(2)} | ${target} |`);
  }
  return lines.join('\n');
}

async function versionOf(command: string, args: readonly string[]): Promise<string> {
  const out = join(tmpdir(), `mxdir-bench-version-${process.pid}`);
  const r = await timed(command, args, { stdout: out });
  const text = (await readFile(out, 'utf8').catch(() => '')) + r.stderr;
  await rm(out, { force: true });
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown';
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const loadBefore = loadavg();
  const machine = [
    `date: ${new Date().toISOString()}`,
    `cpu: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown'} (nproc ${await versionOf('nproc', [])})`,
    `node: ${process.version}; slapd: ${(await versionOf('slapd', ['-VV'])).replace(/^@\(#\) \$OpenLDAP: /, '').replace(/ \$$/, '')}`,
    `load average at start: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  ];
  log(machine.join('; '));
  const rows: Row[] = [];
  const durations: string[] = [];
  for (const size of args.sizes) {
    const t0 = Date.now();
    rows.push(...(await benchSize(size, args)));
    durations.push(`${fmtSize(size)}: ${Math.round((Date.now() - t0) / 1000)} s`);
  }
  machine.push(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  machine.push(`wall time per size: ${durations.join(', ')} (total ${Math.round((Date.now() - started) / 1000)} s)`);
  if (args.sizes.includes(1_000_000) && !args.millionBaselines) machine.push('1M: mxdir only plus the ldapsearch dump (ldapadd baselines skipped; --1m-baselines runs them)');
  process.stdout.write(`\n${machine.map((l) => `- ${l}`).join('\n')}\n\n${table(rows)}\n\n${memoryTable(rows)}\n`);
  const missed = rows.filter((r) => r.target && r.seconds !== null && r.seconds > r.target.seconds);
  const checked = rows.filter((r) => r.target && r.seconds !== null).length;
  const verdict =
    checked === 0
      ? `no time targets below ${fmtSize(TARGETS_FROM)} addresses`
      : missed.length === 0
        ? `all ${checked} time targets met`
        : `${missed.length} of ${checked} time targets missed: ${missed.map((r) => `${fmtSize(r.size)} ${r.step}`).join('; ')}`;
  process.stdout.write(`\n${verdict}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
