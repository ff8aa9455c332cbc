import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ACCEPT_ALL_SOURCE, loadConfig } from '../../config/index.js';
import { ExitCode, MxdirError, RefusedError } from '../../errors.js';
import {
  mapKeys,
  recordedDigest,
  renderExportMainCf,
  renderMapFile,
  replaceFile,
  unrepresentableKey,
  type ExportMap,
  type MapFile,
  type PostmapType,
} from '../../postfix/index.js';
import type { Output } from '../output.js';
import { readWanted } from './sync.js';

export interface ExportOptions {
  readonly config?: string | undefined;
  readonly out: string;
  /** Build each changed file with `postmap TYPE:FILE`. */
  readonly postmap?: PostmapType | undefined;
  /** File mode of the written files. */
  readonly mode: number;
  /** Lift the delete limits for one reviewed run. */
  readonly allowMassDelete: boolean;
}

/** postmap's output file per map type. */
const DB_SUFFIX: Readonly<Record<PostmapType, string>> = { hash: '.db', btree: '.db', lmdb: '.lmdb', cdb: '.cdb' };

/**
 * Writes relay_recipients and relay_domains as Postfix map source files from the sources alone (no
 * LDAP), each replaced atomically and only when its entries changed; optionally builds them with
 * postmap; prints the main.cf lines. The sync's guards apply: an empty result, or one that drops
 * more entries than guards allow from the file in place, is refused and nothing is written.
 */
export async function exportCommand(options: ExportOptions, out: Output): Promise<number> {
  const config = await loadConfig({ file: options.config });
  const dir = resolve(options.out);
  const state = await readWanted(config, out);
  const sources = [...config.sources.map((s) => s.name), ...(config.acceptAll.length > 0 ? [ACCEPT_ALL_SOURCE] : [])];

  const keys: string[] = [];
  for (const address of state.addresses.values()) {
    const why = unrepresentableKey(address.key);
    if (why) out.warn(`left out of relay_recipients: ${address.key}: ${why} (the LDAP maps of mxdir sync can hold it)`);
    else keys.push(address.key);
  }
  const entries: Record<ExportMap, readonly string[]> = { relay_domains: [...state.domains.keys()], relay_recipients: keys };
  if (entries.relay_domains.length === 0 || entries.relay_recipients.length === 0) {
    throw new RefusedError(
      `export refused, nothing written: the sources yield ${entries.relay_domains.length} relay domains and ${entries.relay_recipients.length} addresses; check the sources`,
    );
  }

  await mkdir(dir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new MxdirError(`export: cannot create ${dir}: ${err.code ?? err.message}`, ExitCode.error, { cause: err });
  });
  const generated = new Date();
  const plans = await Promise.all(
    (Object.keys(entries) as ExportMap[]).map(async (map) => {
      const path = join(dir, map);
      const file = renderMapFile(map, entries[map], { generated, sources });
      const old = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw new MxdirError(`export: cannot read ${path}: ${err.code ?? err.message}`, ExitCode.error, { cause: err });
      });
      const oldMode = old === null ? null : (await stat(path)).mode & 0o7777;
      const unchanged = old !== null && recordedDigest(old) === file.digest && oldMode === options.mode;
      return { map, path, file, old, unchanged };
    }),
  );

  // Like the sync's guards, these count addresses: a removed domain shows in its addresses.
  const refusals = plans.flatMap((p) => (p.old === null || p.map !== 'relay_recipients' ? [] : dropRefusal(p.map, mapKeys(p.old), p.file, entries[p.map], config.guards, options.allowMassDelete)));
  if (refusals.length > 0) throw new RefusedError(refusals.map((r) => `export refused, nothing written: ${r}`).join('\n'));

  for (const p of plans) {
    if (p.unchanged) {
      out.info(`${p.path}: unchanged (${p.file.entries} entries)`);
      continue;
    }
    await replaceFile(p.path, p.file.text, options.mode).catch((err: NodeJS.ErrnoException) => {
      throw new MxdirError(`export: cannot write ${p.path}: ${err.code ?? err.message}`, ExitCode.error, { cause: err });
    });
    out.info(`wrote ${p.path} (${p.file.entries} entries, mode ${options.mode.toString(8).padStart(4, '0')})`);
  }
  if (options.postmap) {
    for (const p of plans) {
      if (p.unchanged && (await isBuilt(p.path, options.postmap))) continue;
      await postmap(options.postmap, p.path);
      out.info(`built ${options.postmap}:${p.path}`);
    }
  } else {
    out.info(`build the tables with: ${plans.map((p) => `postmap hash:${p.path}`).join(' && ')} (or pass --postmap TYPE)`);
  }
  out.result(renderExportMainCf(dir, options.postmap ?? 'hash'));
  return ExitCode.ok;
}

/** The delete guards of the sync, applied to the entries the file in place would lose. */
function dropRefusal(
  map: ExportMap,
  old: ReadonlySet<string>,
  file: MapFile,
  next: readonly string[],
  guards: { maxDeletePercent: number; maxDeleteCount: number },
  allowMassDelete: boolean,
): string[] {
  if (allowMassDelete || old.size === 0) return [];
  const kept = new Set(next);
  const dropped = [...old].filter((k) => !kept.has(k)).length;
  const percent = (dropped * 100) / old.size;
  if (dropped <= guards.maxDeleteCount && percent <= guards.maxDeletePercent) return [];
  return [
    `${map} would lose ${dropped} of its ${old.size} entries (${Math.round(percent)}%, now ${file.entries}), more than guards.maxDeletePercent (${guards.maxDeletePercent}%) / maxDeleteCount (${guards.maxDeleteCount}); review, then rerun with --allow-mass-delete`,
  ];
}

/** Whether postmap's output for `path` exists and is not older than the source file. */
async function isBuilt(path: string, type: PostmapType): Promise<boolean> {
  const [source, db] = await Promise.all([stat(path), stat(path + DB_SUFFIX[type]).catch(() => null)]);
  return db !== null && db.mtimeMs >= source.mtimeMs;
}

function postmap(type: PostmapType, path: string): Promise<void> {
  return new Promise((done, fail) => {
    execFile('postmap', [`${type}:${path}`], (err, _stdout, stderr) => {
      if (!err) return done();
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'postmap not found (install Postfix, or leave out --postmap)' : stderr.trim().split('\n').pop() || err.message;
      fail(new MxdirError(`postmap ${type}:${path} failed: ${why}`));
    });
  });
}
