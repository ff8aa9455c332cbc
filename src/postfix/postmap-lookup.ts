// Looking keys up the way Postfix does: the real postmap(1) with a query configuration, all keys in
// one process (`postmap -q - ldap:FILE`), from a private config directory with a minimal main.cf so
// the host's /etc/postfix is neither needed nor read.
import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The postmap program: on PATH, else in the sbin directories Debian and others install it to. */
export async function findPostmap(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    const path = join(dir, 'postmap');
    if (await access(path, constants.X_OK).then(() => true, () => false)) return path;
  }
  return null;
}

export class LookupFailed extends Error {}

/**
 * Looks `keys` up in an ldap: table described by `queryConfig` (the text of a query config file).
 * Returns each key's value (several values joined by commas, as Postfix sees them) or null. A lookup
 * error (server down, size limit, bind refused) throws LookupFailed with postmap's own message.
 */
export async function postmapLookup(postmap: string, queryConfig: string, keys: readonly string[]): Promise<Map<string, string | null>> {
  const dir = await mkdtemp(join(tmpdir(), 'mxdir-verify-'));
  try {
    // The query config may hold bind_pw: only this user reads the temp dir (mkdtemp makes it 0700).
    await writeFile(join(dir, 'main.cf'), 'compatibility_level = 3.6\n', { mode: 0o600 });
    const cf = join(dir, 'query.cf');
    await writeFile(cf, queryConfig, { mode: 0o600 });
    const { code, stdout, stderr } = await runWithInput(postmap, ['-c', dir, '-q', '-', `ldap:${cf}`], keys.join('\n') + '\n');
    const problem = stderr.split('\n').find((l) => /warning: .*(lookup error|error|fail)|fatal:/i.test(l));
    if ((code !== 0 && code !== 1) || problem) throw new LookupFailed((problem ?? stderr.trim().split('\n')[0] ?? `postmap exit ${code}`).replace(/^postmap: /, ''));
    const found = new Map<string, string>();
    for (const line of stdout.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) found.set(line.slice(0, tab).toLowerCase(), line.slice(tab + 1));
    }
    return new Map(keys.map((k) => [k, found.get(k.toLowerCase()) ?? null]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runWithInput(command: string, args: readonly string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = execFile(command, [...args], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return fail(new LookupFailed(`cannot run ${command}: ${err.message}`));
      done({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}
