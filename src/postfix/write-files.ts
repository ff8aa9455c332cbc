import { execFileSync } from 'node:child_process';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MAP_FILES, renderQueryConfig, type MapName, type QueryConfigOptions } from './query-config.js';

export interface WrittenFile {
  readonly path: string;
  readonly mode: number;
}

/**
 * Writes both query configuration files into `dir`, each replaced atomically (write, then rename).
 * A file holding bind_pw is mode 0640, group postfix where that group exists, as Postfix advises.
 */
export async function writeQueryConfigs(dir: string, options: QueryConfigOptions): Promise<WrittenFile[]> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const mode = options.bindDN ? 0o640 : 0o644;
  const written: WrittenFile[] = [];
  for (const map of Object.keys(MAP_FILES) as MapName[]) {
    const path = join(out, MAP_FILES[map]);
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, renderQueryConfig(map, options), { mode });
    await chmod(tmp, mode); // the umask may have narrowed or the file existed
    if (options.bindDN) giveToPostfixGroup(tmp);
    await rename(tmp, path);
    written.push({ path, mode });
  }
  return written;
}

function giveToPostfixGroup(path: string): void {
  if (process.getuid?.() !== 0) return;
  try {
    execFileSync('chgrp', ['postfix', path], { stdio: 'ignore' });
  } catch {
    // No postfix group on this host (a publisher without Postfix): root-only reading is fine.
  }
}
