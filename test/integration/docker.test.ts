// docker/: there is no Docker engine here, so the compose setup is checked without running it:
// every file it refers to (build contexts, Dockerfiles, COPY sources, bind mounts) exists, the
// configurations it mounts or builds with load with mxdir's own loader, the command it runs is one
// the CLI accepts, the LDAP examples rendered by its script pass slaptest, and the MX's main.cf with
// the generated lines passes postconf.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { run } from './harness/slapd.js';
import { REPO_ROOT, runMxdir } from './run-mxdir.js';

const DOCKER = join(REPO_ROOT, 'docker');

interface Service {
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** COPY sources of a Dockerfile (not --from=stage copies), each relative to the build context. */
function copySources(dockerfile: string): string[] {
  const sources: string[] = [];
  for (const line of dockerfile.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^\s*(?:COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const words = m[1]!.trim().split(/\s+/);
    if (words.some((w) => w.startsWith('--from='))) continue;
    const paths = words.filter((w) => !w.startsWith('--'));
    sources.push(...paths.slice(0, -1));
  }
  return sources;
}

describe('docker: the compose setup (not run here: no Docker engine)', function () {
  this.timeout(120_000);
  let compose: Compose;

  before(async () => {
    // Compose applies YAML merge keys (<<: *directory).
    compose = parse(await readFile(join(DOCKER, 'compose.yaml'), 'utf8'), { merge: true }) as Compose;
  });

  it('has the provider, two MX hosts and mxdir on a schedule', () => {
    expect(Object.keys(compose.services)).to.include.members(['provider', 'mx1', 'mx2', 'mxdir']);
    expect(compose.services['mxdir']!.command).to.deep.equal(['sync', '--every', '5m', '-c', '/etc/mxdir/mxdir.yaml']);
  });

  it('every build context, Dockerfile and COPY source exists', async () => {
    let checked = 0;
    for (const [name, service] of Object.entries(compose.services)) {
      if (!service.build) continue;
      const context = resolve(DOCKER, service.build.context);
      expect(existsSync(context), `${name}: build context ${context}`).to.equal(true);
      const dockerfile = join(context, service.build.dockerfile);
      expect(existsSync(dockerfile), `${name}: ${dockerfile}`).to.equal(true);
      const text = await readFile(dockerfile, 'utf8');
      for (const source of copySources(text)) {
        expect(existsSync(join(context, source)), `${name}: COPY ${source} in ${service.build.dockerfile}`).to.equal(true);
        checked++;
      }
      // Stages named in --from= are defined in the same file.
      for (const [, stage] of text.matchAll(/--from=(\S+)/g)) expect(text, `${name}: stage ${stage}`).to.match(new RegExp(`^FROM \\S+ AS ${stage}$`, 'im'));
    }
    expect(checked).to.be.greaterThan(10);
  });

  it('every bind mount exists and every named volume is declared', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) expect(existsSync(resolve(DOCKER, source)), `${name}: ${source}`).to.equal(true);
        else expect(compose.volumes ?? {}, `${name}: volume ${source}`).to.have.property(source);
      }
      const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(compose.services, `${name} depends on ${dep}`).to.have.property(dep);
    }
  });

  it('the mounted mxdir configuration loads with mxdir\'s loader and names the provider and the base DN the LDAP images use', async () => {
    const mxdir = compose.services['mxdir']!;
    const mount = mxdir.volumes!.find((v) => v.endsWith(':/etc/mxdir/mxdir.yaml:ro'))!;
    const config = await loadConfig({ file: resolve(DOCKER, mount.split(':')[0]!), env: { MXDIR_BIND_PASSWORD: 'x' } });
    expect(config.ldap.url).to.equal('ldap://provider:389');
    expect(config.ldap.baseDN).to.equal(compose.services['provider']!.environment!['BASEDN']);
    expect(config.ldap.bindDN).to.equal(`cn=admin,${compose.services['provider']!.environment!['SUFFIX']}`);
    const mx = await loadConfig({ file: join(DOCKER, 'mx/mxdir.yaml'), env: { MXDIR_BIND_PASSWORD: 'x' } });
    expect(mx.postfix.servers).to.deep.equal(['ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi', 'ldap://provider:389']);
    expect(mx.ldap.baseDN).to.equal(config.ldap.baseDN);
  });

  it('the command the mxdir service runs, and its health check, are accepted by the CLI', async () => {
    const service = compose.services['mxdir']!;
    const health = service.healthcheck!.test;
    expect(health.slice(0, 3)).to.deep.equal(['CMD', 'node', '/app/dist/src/cli/main.js']);
    for (const [command, ...options] of [service.command!, health.slice(3)]) {
      const help = await runMxdir([command!, '--help']);
      expect(help.code, command).to.equal(0);
      for (const option of options.filter((o) => o.startsWith('-'))) expect(help.stdout, `${command} ${option}`).to.include(option);
    }
  });

  it('render.sh fills in the shipped examples so that slaptest accepts them, and refuses a missing value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-docker-'));
    try {
      const common = {
        ...process.env,
        SUFFIX: 'dc=example,dc=org',
        BASEDN: 'ou=mx,dc=example,dc=org',
        REPL_DN: 'cn=replicator,dc=example,dc=org',
        REPL_PASSWORD: 'a|b&c\\d',
        ROOTPW: '{SSHA}x',
        MXDIR_SCHEMA: join(REPO_ROOT, 'schema/mxdir.schema'),
        DB_DIR: dir,
        RUN_DIR: dir,
        PROVIDER_URL: 'ldap://provider:389',
        RID: '001',
      };
      for (const example of ['provider.conf', 'consumer.conf']) {
        const out = join(dir, example);
        const r = await runWith('sh', [join(DOCKER, 'ldap/render.sh'), join(REPO_ROOT, 'schema/replication', example), out], common);
        expect(r.code, r.stderr).to.equal(0);
        const test = await run('slaptest', ['-u', '-f', out]);
        expect(test.code, `${example}: ${test.stderr}`).to.equal(0);
        if (example === 'consumer.conf') expect(await readFile(out, 'utf8')).to.include('credentials="a|b&c\\d"');
      }
      const { RID: _rid, ...withoutRid } = common;
      const missing = await runWith('sh', [join(DOCKER, 'ldap/render.sh'), join(REPO_ROOT, 'schema/replication/consumer.conf'), join(dir, 'x.conf')], withoutRid);
      expect(missing.code).to.not.equal(0);
      expect(missing.stdout + missing.stderr).to.include('@RID@');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the entrypoint scripts are valid sh', async () => {
    for (const script of ['provider/entrypoint.sh', 'mx/entrypoint.sh', 'ldap/render.sh']) {
      const r = await run('sh', ['-n', join(DOCKER, script)]);
      expect(r.code, `${script}: ${r.stderr}`).to.equal(0);
    }
  });

  it('the MX image\'s Postfix configuration, with the lines `mxdir postfix` prints, passes postconf', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-docker-postfix-'));
    try {
      // As the MX Dockerfile does: generate the query configs, append the printed lines to main.cf.
      const gen = await runMxdir(['postfix', '-c', join(DOCKER, 'mx/mxdir.yaml'), '--out', dir], { env: { MXDIR_BIND_PASSWORD: 'unused' } });
      expect(gen.code, gen.stderr).to.equal(0);
      await copyFile(join(DOCKER, 'mx/main.cf'), join(dir, 'main.cf'));
      await copyFile('/usr/share/postfix/master.cf.dist', join(dir, 'master.cf'));
      await appendFile(join(dir, 'main.cf'), gen.stdout);
      const r = await run('postconf', ['-c', dir, '-n']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.include('relay_recipient_maps = proxy:ldap:');
      const cf = await readFile(join(dir, 'ldap-relay-recipients.cf'), 'utf8');
      expect(cf).to.include('server_host = ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi ldap://provider:389\n');
      expect(dirname(gen.stdout.match(/relay_recipient_maps = proxy:ldap:(\S+)/)![1]!)).to.equal(dir);
      // The image generates them where they live, so the printed paths are right there too.
      expect(await readFile(join(DOCKER, 'mx/Dockerfile'), 'utf8')).to.match(/postfix -c \/etc\/mxdir\/mxdir.yaml --out \/etc\/postfix /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function runWith(command: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    import('node:child_process').then(({ execFile }) =>
      execFile(command, args, { env }, (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })),
    );
  });
}
