import { resolve } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { queryConfigOptions, renderMainCf, writeQueryConfigs } from '../../postfix/index.js';
import { ExitCode } from '../../errors.js';
import type { Output } from '../output.js';

export interface PostfixOptions {
  readonly config?: string | undefined;
  readonly out: string;
}

/** Writes the ldap-*.cf query configs and prints the main.cf lines that use them. */
export async function postfixCommand(options: PostfixOptions, out: Output): Promise<number> {
  const config = await loadConfig({ file: options.config });
  const written = await writeQueryConfigs(options.out, queryConfigOptions(config));
  for (const f of written) out.info(`wrote ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')})`);
  out.result(renderMainCf(resolve(options.out), config.postfix.proxy));
  return ExitCode.ok;
}
