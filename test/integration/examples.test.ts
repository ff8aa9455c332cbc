// The shipped systemd units and cron line: systemd-analyze verify accepts the units, they carry the
// hardening they promise, and their exact command lines (paths swapped for test ones) run against a
// real slapd: the timer's one-shot sync, the --every service stopped with SIGTERM, the cron job.
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EDGE_DATASET, EXPECTED_KEYS } from '../fixtures/edge-cases.js';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished } from './ldap-state.js';
import { CLI, REPO_ROOT, writeConfig } from './run-mxdir.js';

const run = promisify(execFile);
const SYSTEMD = join(REPO_ROOT, 'examples/systemd');
const UNITS = ['mxdir-sync.service', 'mxdir-sync.timer', 'mxdir.service'];

/** A unit file as section -> key -> values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`not a unit file line: ${raw}`);
    current.set(kv[1]!, [...(current.get(kv[1]!) ?? []), kv[2]!]);
  }
  return sections;
}

async function hasSystemdAnalyze(): Promise<boolean> {
  return run('systemd-analyze', ['--version']).then(
    () => true,
    () => false,
  );
}

describe('examples: systemd units and cron line', function () {
  this.timeout(180_000);
  let slapd: Slapd;
  let db: TestDb;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    slapd = await startSlapd();
    db = await createPostfixAdminDb('sqlite', EDGE_DATASET);
    dir = await mkdtemp(join(tmpdir(), 'mxdir-examples-'));
    // The password as the units pass it: a systemd credential named in the config.
    await writeFile(join(dir, 'ldap-bind-password'), slapd.rootPassword + '\n', { mode: 0o600 });
    await writeConfig(
      {
        source: { kind: 'postfixadmin', url: db.url },
        ldap: { url: slapd.url, bindDN: slapd.rootDN, bindPasswordFile: '${CREDENTIALS_DIRECTORY}/ldap-bind-password', baseDN: `ou=mx,${slapd.suffix}` },
      },
      dir,
    );
    env = { PATH: process.env.PATH, CREDENTIALS_DIRECTORY: dir };
  });
  after(async () => {
    await slapd?.stop();
    await db?.drop();
  });

  /** The command line with the installed paths swapped for this test's. */
  const localize = (command: string): string[] =>
    command
      .replace(/(^|\s)(\/usr\/local\/bin\/)?mxdir(?=\s)/g, `$1${process.execPath} ${CLI}`)
      .replaceAll('/etc/mxdir/mxdir.yaml', join(dir, 'mxdir.yaml'))
      .replaceAll('/var/lib/prometheus/node-exporter/mxdir.prom', join(dir, 'mxdir.prom'))
      .replaceAll('/run/lock/mxdir.lock', join(dir, 'mxdir.lock'))
      .trim()
      .split(/\s+/);

  it('the units are hardened as documented and pass systemd-analyze verify', async () => {
    for (const name of ['mxdir-sync.service', 'mxdir.service']) {
      const service = parseUnit(await readFile(join(SYSTEMD, name), 'utf8')).get('Service')!;
      for (const [key, value] of Object.entries({
        DynamicUser: 'yes',
        NoNewPrivileges: 'yes',
        ProtectSystem: 'strict',
        ProtectHome: 'yes',
        PrivateTmp: 'yes',
        CapabilityBoundingSet: '',
        LoadCredential: 'ldap-bind-password:/etc/mxdir/ldap-bind-password',
      })) {
        expect(service.get(key), `${name}: ${key}`).to.deep.equal([value]);
      }
      expect(service.get('MemoryDenyWriteExecute'), 'Node.js needs W+X memory').to.equal(undefined);
    }
    const oneshot = parseUnit(await readFile(join(SYSTEMD, 'mxdir-sync.service'), 'utf8'));
    expect(oneshot.get('Service')!.get('Type')).to.deep.equal(['oneshot']);
    expect(oneshot.has('Install'), 'started by the timer, not enabled itself').to.equal(false);
    const timer = parseUnit(await readFile(join(SYSTEMD, 'mxdir-sync.timer'), 'utf8'));
    expect(timer.get('Timer')!.get('OnCalendar')).to.deep.equal(['*:0/5']);
    expect(timer.get('Install')!.get('WantedBy')).to.deep.equal(['timers.target']);
    const daemon = parseUnit(await readFile(join(SYSTEMD, 'mxdir.service'), 'utf8'));
    expect(daemon.get('Service')!.get('ExecStart')![0]).to.include('--every 5m');

    if (!(await hasSystemdAnalyze())) throw new Error('systemd-analyze is not installed: cannot verify the units');
    // verify wants ExecStart's program to exist: copies that start /usr/bin/true instead of mxdir.
    const copies = await mkdtemp(join(tmpdir(), 'mxdir-units-'));
    for (const unit of UNITS) {
      await copyFile(join(SYSTEMD, unit), join(copies, unit));
      const text = await readFile(join(copies, unit), 'utf8');
      await writeFile(join(copies, unit), text.replaceAll('/usr/local/bin/mxdir', '/usr/bin/true'));
    }
    const r = await run('systemd-analyze', ['verify', '--man=no', ...UNITS.map((u) => join(copies, u))]).then(
      (x) => ({ code: 0, ...x }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r.code, r.stderr).to.equal(0);
    // verify only warns about unknown keys and bad values: it must have nothing to say.
    expect(r.stderr + r.stdout).to.equal('');
  });

  it("the timer's one-shot ExecStart publishes, reading the password from the credential", async () => {
    const unit = parseUnit(await readFile(join(SYSTEMD, 'mxdir-sync.service'), 'utf8'));
    const [program, ...args] = localize(unit.get('Service')!.get('ExecStart')![0]!);
    const r = await run(program!, args, { env }).then(
      (x) => ({ code: 0, ...x }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/^sync ok in /m);
    expect((await readPublished(slapd, `ou=mx,${slapd.suffix}`)).keys).to.deep.equal(EXPECTED_KEYS);
    expect(await readFile(join(dir, 'mxdir.prom'), 'utf8')).to.match(/^mxdir_last_run_success 1$/m);
  });

  it("the service's ExecStart runs until SIGTERM and exits 0", async () => {
    const unit = parseUnit(await readFile(join(SYSTEMD, 'mxdir.service'), 'utf8'));
    const [program, ...args] = localize(unit.get('Service')!.get('ExecStart')![0]!);
    const child = spawn(program!, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const deadline = Date.now() + 60_000;
    while (!/^sync ok in /m.test(stderr) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).to.match(/^running every 5m$/m);
    expect(stderr).to.match(/^sync ok in /m);
    child.kill('SIGTERM');
    expect(await exited, stderr).to.equal(0);
  });

  it('the cron line: five schedule fields, a user, and a command that runs', async () => {
    const text = await readFile(join(REPO_ROOT, 'examples/cron/mxdir'), 'utf8');
    const jobs = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^[A-Z]+=/.test(l));
    expect(jobs).to.have.length(1);
    const fields = jobs[0]!.split(/\s+/);
    expect(fields.slice(0, 5).join(' ')).to.equal('*/5 * * * *');
    expect(fields[5]).to.equal('mxdir');
    const command = fields.slice(6).join(' ');
    // The part before the pipe to logger (syslog is not part of this test machine's setup).
    const [job, logger] = command.split(' | ');
    expect(logger).to.equal('logger -t mxdir -p mail.info');
    const [program, ...args] = localize(job!.replace(/ 2>&1$/, ''));
    expect(program).to.equal('flock');
    const r = await run(program!, args, { env }).then(
      (x) => ({ code: 0, ...x }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/^nothing to change$/m);
  });
});
