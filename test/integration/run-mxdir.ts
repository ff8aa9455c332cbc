// Runs the built mxdir CLI as a user would: a child process, a config file in a temp dir, exit code,
// stdout and stderr.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/** dist/test/integration -> repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runMxdir(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, ...options.env }, cwd: options.cwd, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Writes `config` as mxdir.yaml (mode 0600, as a file that may hold a password should be) into a fresh temp dir and returns its path. */
export async function writeConfig(config: unknown, dir?: string): Promise<string> {
  const where = dir ?? (await mkdtemp(join(tmpdir(), 'mxdir-it-')));
  const file = join(where, 'mxdir.yaml');
  await writeFile(file, stringify(config), { mode: 0o600 });
  await chmod(file, 0o600); // also when it existed
  return file;
}

/** A config for a PostfixAdmin source and a harness slapd; the password comes from the environment. */
export function configFor(sourceUrl: string, slapd: { url: string; rootDN: string; suffix: string }, extra: Record<string, unknown> = {}) {
  return {
    source: { kind: 'postfixadmin', url: sourceUrl },
    ldap: { url: slapd.url, bindDN: slapd.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN: `ou=mx,${slapd.suffix}` },
    ...extra,
  };
}
