import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors.js';
import type { Config } from './config.js';
import { validateConfig } from './validate.js';

/** Where a configuration is looked for when `-c` is not given, from the working directory upward. */
export const SEARCH_PLACES = ['mxdir.yaml', 'mxdir.yml', '.mxdirrc', '.mxdirrc.yaml', '.mxdirrc.yml', 'package.json'];
/** The system-wide place, tried last. */
export const SYSTEM_CONFIG = '/etc/mxdir/mxdir.yaml';

// cosmiconfig's own YAML loader is js-yaml; the `yaml` package gives line/column errors we can
// report in one line.
const yamlLoader: Loader = (filepath, content) => {
  try {
    return parseYaml(content) ?? {};
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const where = err.linePos?.[0] ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}` : 'YAML';
      throw new ConfigError(`${filepath}: ${where}: ${err.message.split('\n')[0]}`);
    }
    throw err;
  }
};

/**
 * Finds, parses and validates the configuration. Every problem is reported at once, one line each,
 * prefixed with the file: `mxdir.yaml: ldap.baseDN: required`.
 */
export async function loadConfig(options: { file?: string | undefined; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Config> {
  const explorer = cosmiconfig('mxdir', {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'global',
    loaders: { '.yaml': yamlLoader, '.yml': yamlLoader, noExt: yamlLoader },
    cache: false,
  });
  let found: { config: unknown; filepath: string } | null;
  try {
    if (options.file) {
      const path = resolve(options.cwd ?? process.cwd(), options.file);
      await access(path).catch(() => {
        throw new ConfigError(`config file ${path}: not found or not readable`);
      });
      found = await explorer.load(path);
    } else {
      found = await explorer.search(options.cwd ?? process.cwd());
      if (!found && (await exists(SYSTEM_CONFIG))) found = await explorer.load(SYSTEM_CONFIG);
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`config: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!found) {
    throw new ConfigError(
      `no configuration found: pass -c FILE, or create mxdir.yaml (searched ${options.cwd ?? process.cwd()} upward and ${SYSTEM_CONFIG}); see config.example.yaml`,
    );
  }
  const file = found.filepath;
  const result = validateConfig(found.config, file, dirname(file), options.env ?? process.env);
  if (!result.config) throw new ConfigError(result.problems.map((p) => `${file}: ${p}`).join('\n'));
  return result.config;
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );
