import { expect } from 'chai';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { loadConfig, validateConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';

const minimal = {
  source: { kind: 'postfixadmin', url: 'sqlite:///var/lib/postfixadmin/db.sqlite' },
  ldap: { url: 'ldap://127.0.0.1:389', bindDN: 'cn=admin,dc=example,dc=org', bindPassword: 'pw-123', baseDN: 'ou=mx,dc=example,dc=org' },
};

const problems = (raw: unknown, env: NodeJS.ProcessEnv = {}): string[] => validateConfig(raw, '/x/mxdir.yaml', '/x', env).problems;

describe('config: validation', () => {
  it('accepts the minimal configuration and fills in defaults', () => {
    const r = validateConfig(minimal, '/x/mxdir.yaml', '/x', {});
    expect(r.problems).to.deep.equal([]);
    expect(r.config!.ldap.owner).to.equal('mxdir');
    expect(r.config!.ldap.startTLS).to.equal(false);
    expect(r.config!.sources).to.deep.equal([{ kind: 'postfixadmin', url: 'sqlite:///var/lib/postfixadmin/db.sqlite', tablePrefix: '', name: 'postfixadmin', retries: 3, retryDelay: 1 }]);
    expect(r.config!.ldap.retries).to.equal(3);
    expect(r.config!.ldap.retryDelay).to.equal(0.5);
    expect(r.config!.sourcePaths).to.deep.equal(['source']);
    expect(r.config!.acceptAll).to.deep.equal([]);
    expect(r.config!.postfix.proxy).to.equal(true);
  });
  it('takes a list of sources with unique names, and acceptAll domains normalised', () => {
    const { source: _s, ...rest } = minimal;
    const r = validateConfig(
      {
        ...rest,
        sources: [
          { kind: 'postfixadmin', url: 'sqlite:a.db' },
          { kind: 'postfixadmin', name: 'second', url: 'postgres://pfa@db/pfa' },
        ],
        acceptAll: ['Legacy.Example', 'bücher.example', 'legacy.example'],
      },
      '/x/mxdir.yaml',
      '/x',
      {},
    );
    expect(r.problems).to.deep.equal([]);
    expect(r.config!.sources.map((s) => s.name)).to.deep.equal(['postfixadmin', 'second']);
    expect(r.config!.sourcePaths).to.deep.equal(['sources[0]', 'sources[1]']);
    expect(r.config!.acceptAll).to.deep.equal(['legacy.example', 'xn--bcher-kva.example']);
  });
  it('wants exactly one of source and sources, unique source names, and real acceptAll domains', () => {
    const { source, ...rest } = minimal;
    expect(problems(rest)).to.deep.equal(['source: required (or sources, a list of sources)']);
    expect(problems({ ...minimal, sources: [source] })).to.deep.equal(['sources: set either source (one) or sources (a list), not both']);
    expect(problems({ ...rest, sources: [] })[0]).to.match(/^sources: /);
    expect(problems({ ...rest, sources: [source, { ...source, url: 'sqlite:b.db' }] })).to.deep.equal([
      'sources[1].name: "postfixadmin" is already the name of sources[0]; give each source its own name',
    ]);
    expect(problems({ ...rest, sources: [{ ...source, name: 'config' }] })).to.deep.equal([
      'sources[0].name: "config" is reserved (it names acceptAll in provenance)',
    ]);
    expect(problems({ ...minimal, acceptAll: ['ok.example', 'bad domain'] })[0]).to.match(/^acceptAll\[1\]: "bad domain" is not a domain: /);
    expect(problems({ ...rest, sources: [{ kind: 'nosuch' }] })[0]).to.match(/^sources\[0\]\.kind: /);
  });
  it('reports a missing required key by its path', () => {
    expect(problems({ ...minimal, ldap: { ...minimal.ldap, baseDN: undefined } })).to.deep.equal(['ldap.baseDN: required']);
  });
  it('reports an unknown key, with a suggestion for a case slip', () => {
    expect(problems({ ...minimal, ldap: { ...minimal.ldap, bindDn: 'x' } })).to.deep.equal(['ldap.bindDn: unknown key (did you mean bindDN?)']);
    expect(problems({ ...minimal, extra: 1 })).to.deep.equal(['extra: unknown key']);
  });
  it('reports a wrong type', () => {
    expect(problems({ ...minimal, ldap: { ...minimal.ldap, startTLS: 'yes' } })).to.deep.equal(['ldap.startTLS: expected boolean, received string']);
  });
  it('reports an unknown source kind', () => {
    expect(problems({ ...minimal, source: { kind: 'nosuch', url: 'x' } })[0]).to.match(/^source.kind: /);
  });
  it('reports every problem at once', () => {
    const p = problems({ source: { kind: 'postfixadmin' }, ldap: { url: 'http://x', bindDN: 'cn=a', bindPassword: 'p', baseDN: 'ou=mx' }, postfix: { servers: [] } });
    expect(p).to.have.length.greaterThan(1);
    expect(p.join('\n')).to.match(/source.url: required/).and.match(/postfix.servers/);
  });
  it('checks URLs and DNs', () => {
    expect(problems({ ...minimal, ldap: { ...minimal.ldap, url: 'http://x' } })).to.deep.equal(['ldap.url: "http://x" is not an ldap://, ldaps:// or ldapi:// URL']);
    expect(problems({ ...minimal, ldap: { ...minimal.ldap, baseDN: 'not a dn' } })[0]).to.match(/^ldap.baseDN: "not a dn" is not a valid DN/);
  });
  it('expands ${ENV} and names the key when the variable is not set', () => {
    const raw = { ...minimal, ldap: { ...minimal.ldap, bindPassword: '${MXDIR_TEST_PW}' } };
    const r = validateConfig(raw, '/x/mxdir.yaml', '/x', { MXDIR_TEST_PW: 'from-env' });
    expect(r.config!.ldap.bindPassword!.reveal()).to.equal('from-env');
    expect(problems(raw, {})).to.include('ldap.bindPassword: environment variable MXDIR_TEST_PW is not set');
  });
  it('reads bindPasswordFile, and reports an unreadable one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-cfg-'));
    await writeFile(join(dir, 'pw'), 's3cret-from-file\n');
    const { bindPassword: _, ...ldap } = minimal.ldap;
    const r = validateConfig({ ...minimal, ldap: { ...ldap, bindPasswordFile: 'pw' } }, join(dir, 'm.yaml'), dir, {});
    expect(r.config!.ldap.bindPassword!.reveal()).to.equal('s3cret-from-file');
    expect(problems({ ...minimal, ldap: { ...ldap, bindPasswordFile: '/nonexistent/pw' } })).to.deep.equal([
      'ldap.bindPasswordFile: cannot read /nonexistent/pw: ENOENT',
    ]);
    expect(problems({ ...minimal, ldap: { ...minimal.ldap, bindPasswordFile: 'pw' } })[0]).to.match(/either bindPassword or bindPasswordFile/);
  });
  it('reads the transport: map with domains as A-labels, and reports bad keys and values by path', () => {
    const r = validateConfig({ ...minimal, transport: { 'Bücher.example': 'smtp:[10.0.0.1]:25', 'b.example': '' } }, '/x/mxdir.yaml', '/x', {});
    expect([...r.config!.transport]).to.deep.equal([['xn--bcher-kva.example', 'smtp:[10.0.0.1]:25'], ['b.example', null]]);
    expect(validateConfig(minimal, '/x/mxdir.yaml', '/x', {}).config!.transport.size).to.equal(0);
    expect(problems({ ...minimal, transport: { nodot: 'smtp:x', 'a.example': 'mail.example.org', 'A.example': 'smtp:y' } })).to.deep.equal([
      'transport.nodot: not a domain name: not a fully qualified domain name (no dot)',
      'transport.a.example: "mail.example.org" is not a transport(5) value such as smtp:[mail.example.org]:25',
    ]);
    expect(problems({ ...minimal, transport: { 'a.example': 'smtp:x', 'A.example': 'smtp:y' } })).to.deep.equal(['transport.A.example: a.example is listed twice']);
  });
  it('kind: ldap: reads the bind password as a secret, resolves caFile, and checks every setting by path', () => {
    const ad = { kind: 'ldap', name: 'corp', flavor: 'activedirectory', url: 'ldaps://dc1.corp.example', bindDN: 'cn=reader,dc=corp,dc=example', bindPassword: 'ad-pw-987', caFile: 'ca.pem', base: 'dc=corp,dc=example', domains: ['corp.example'] };
    const r = validateConfig({ ...minimal, source: undefined, sources: [minimal.source, ad] }, '/x/mxdir.yaml', '/x', {});
    expect(r.problems).to.deep.equal([]);
    const src = r.config!.sources[1]!;
    expect(src.kind).to.equal('ldap');
    if (src.kind !== 'ldap') return;
    expect(src.bindPassword!.reveal()).to.equal('ad-pw-987');
    expect(src.caFile).to.equal('/x/ca.pem');
    expect(src.pageSize).to.equal(500);
    expect(JSON.stringify(r.config) + inspect(r.config, { depth: 9 })).to.not.include('ad-pw-987');
    expect(problems({ ...minimal, source: { ...ad, flavor: 'plain', url: 'ldap://dc1.corp.example', filter: '(mail=*', alternateAttributes: ['bad attr'], domains: ['nodot'], transport: 'virtual' } })).to.deep.equal([
      'source.url: ldap://dc1.corp.example would send the bind password unencrypted to a remote host: use ldaps://, set source.startTLS: true, use ldapi:// on the LDAP host itself, or set source.allowPlaintextPassword: true to accept the risk',
      'source.filter: "(mail=*" is not an LDAP filter: Unbalanced parens: (mail=*',
      'source.alternateAttributes[0]: "bad attr" is not an attribute name',
      'source.domains[0]: "nodot" is not a domain: not a fully qualified domain name (no dot)',
      'source.transport: "virtual" names no next hop (expected smtp:[host]:port, relay:host or lmtp:inet:host:port)',
    ]);
    expect(problems({ ...minimal, source: { ...ad, bindPassword: undefined, mailAttribute: 'mail' } })).to.deep.equal([
      'source.bindPassword: required with source.bindDN (or set source.bindPasswordFile)',
      'source.mailAttribute: only with flavor: plain (Active Directory addresses come from proxyAddresses)',
    ]);
    expect(problems({ ...minimal, source: { ...ad, domains: [] } })[0]).to.match(/^source.domains: /);
  });
  it('never shows a password when the config is printed', () => {
    const r = validateConfig(minimal, '/x/mxdir.yaml', '/x', {});
    const text = JSON.stringify(r.config) + inspect(r.config, { depth: 9 }) + String(r.config!.ldap.bindPassword);
    expect(text).to.not.include('pw-123');
  });
});

describe('config: loading files', () => {
  it('config.example.yaml, as shipped, is a valid configuration', async () => {
    // dist/test/unit/config -> repository root
    const file = fileURLToPath(new URL('../../../../config.example.yaml', import.meta.url));
    const config = await loadConfig({ file, env: { MXDIR_BIND_PASSWORD: 'example' } });
    expect(config.ldap.baseDN).to.be.a('string').and.not.equal('');
    expect(config.sources.length).to.be.greaterThan(0);
  });

  it('loads YAML with -c and names the file in every problem line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-cfg-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'source:\n  kind: postfixadmin\nldap:\n  url: ldap://x\n  nope: 1\n');
    const err = await loadConfig({ file }).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    const lines = (err as Error).message.split('\n');
    expect(lines).to.include(`${file}: source.url: required`);
    expect(lines).to.include(`${file}: ldap.nope: unknown key`);
    for (const line of lines) expect(line.startsWith(`${file}: `)).to.equal(true);
  });
  it('reports a YAML syntax error with its line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-cfg-'));
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'source:\n  kind: [unclosed\n');
    const err = (await loadConfig({ file }).catch((e: unknown) => e)) as Error;
    expect(err).to.be.instanceOf(ConfigError);
    expect(err.message).to.match(new RegExp(`^${file}: line \\d+, column \\d+: `));
    expect(err.message.split('\n')).to.have.length(1);
  });
  it('finds mxdir.yaml by searching when -c is not given, and says where it looked when nothing is found', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-cfg-'));
    const err = (await loadConfig({ cwd: dir }).catch((e: unknown) => e)) as Error;
    expect(err.message).to.match(/no configuration found: pass -c FILE/);
    await writeFile(join(dir, 'mxdir.yaml'), JSON.stringify(minimal), { mode: 0o600 });
    const config = await loadConfig({ cwd: dir });
    expect(config.file).to.equal(join(dir, 'mxdir.yaml'));
  });
  it('says so when the -c file does not exist or cannot be read', async () => {
    const err = (await loadConfig({ file: '/nonexistent/mxdir.yaml' }).catch((e: unknown) => e)) as Error;
    expect(err.message).to.equal('config file /nonexistent/mxdir.yaml: not found or not readable');
    if (process.getuid?.() !== 0) {
      const dir = await mkdtemp(join(tmpdir(), 'mxdir-cfg-'));
      await writeFile(join(dir, 'm.yaml'), '{}');
      await chmod(join(dir, 'm.yaml'), 0);
      expect(((await loadConfig({ file: join(dir, 'm.yaml') }).catch((e: unknown) => e)) as Error).message).to.match(/not readable/);
    }
  });
});

describe('config: an unset ${VAR} in a password is one problem, not two', () => {
  it('reports the variable, and not also "is empty"', () => {
    const raw = { ...minimal, ldap: { ...minimal.ldap, bindPassword: '${MXDIR_UNSET_PW}' } };
    expect(problems(raw)).to.deep.equal(['ldap.bindPassword: environment variable MXDIR_UNSET_PW is not set']);
    expect(problems({ ...minimal, ldap: { ...minimal.ldap, bindPassword: '' } })).to.deep.equal(['ldap.bindPassword: is empty']);
  });
});
