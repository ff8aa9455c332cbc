#!/usr/bin/env node
// The mxdir command line: a table of commands, each a thin wiring of config, source, model, sync,
// directory and postfix modules. One top-level handler turns expected errors into one line and an
// exit code; commands never call process.exit themselves.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { redactSecrets } from '../config/secret.js';
import { ExitCode, MxdirError } from '../errors.js';
import { parseDuration } from '../service/duration.js';
import { consoleOutput, jsonLogLine, type LogFormat } from './output.js';

const CONFIG_HELP = 'configuration file (default: mxdir.yaml, .mxdirrc.yaml, package.json "mxdir" key, searched upward; then /etc/mxdir/mxdir.yaml)';

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a number of seconds`);
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return n;
}

function fileMode(value: string): number {
  if (!/^0?[0-7]{3}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not an octal file mode such as 0644`);
  return parseInt(value, 8);
}

function duration(value: string): number {
  const ms = parseDuration(value);
  if (typeof ms === 'string') throw new InvalidArgumentError(ms);
  return ms;
}

function ldapUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL (expected ldap://host:port, ldaps://host or ldapi://%2Fpath)`);
  }
  if (!['ldap:', 'ldaps:', 'ldapi:'].includes(url.protocol)) throw new InvalidArgumentError(`"${value}" is not an ldap://, ldaps:// or ldapi:// URL`);
  return value;
}

const logFormatOption = (): Option => new Option('--log-format <format>', 'messages on stderr: text lines, or one JSON object per line').choices(['text', 'json']).default('text');

function program(run: (action: () => Promise<number>) => void): Command {
  const cli = new Command('mxdir')
    .description('Publish every address your MX hosts must accept into OpenLDAP, for Postfix relay_recipient_maps.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  cli
    .command('sync')
    .description('read the admin database and the managed LDAP subtree, and apply the difference')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-n, --dry-run', 'print the plan and change nothing', false)
    .option('--check', 'like --dry-run; exit 0 when nothing would change, 2 when changes are pending', false)
    .addOption(new Option('--format <format>', 'plan format for --dry-run/--check').choices(['text', 'ldif', 'json']).default('text'))
    .option('--allow-mass-delete', 'apply a reviewed plan that deletes more than guards.maxDeletePercent / maxDeleteCount', false)
    .option('--wait-lock <seconds>', 'wait this long for another sync of the same tree to finish (default: give up at once, exit 4)', seconds, 0)
    .option('--every <duration>', 'run as a service: sync at once, then every DURATION (30s, 5m, 1h) until SIGTERM/SIGINT', duration)
    .option('--metrics-file <path>', 'after every run, write Prometheus textfile-collector metrics to PATH (atomically)')
    .addOption(logFormatOption())
    .option('-v, --verbose', 'print stack traces of errors and more detail', false)
    .action(
      (o: {
        config?: string;
        dryRun: boolean;
        check: boolean;
        format: 'text' | 'ldif' | 'json';
        allowMassDelete: boolean;
        waitLock: number;
        every?: number;
        metricsFile?: string;
        logFormat: LogFormat;
        verbose: boolean;
      }) =>
        run(async () => (await import('./commands/sync.js')).syncCommand({ ...o, everyMs: o.every }, consoleOutput(o.verbose, o.logFormat))),
    );

  cli
    .command('status')
    .description('show how fresh the published list is (from the status entry every sync records); exit 2 when older than --max-age')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--server <url>', 'read the status from this server (e.g. a replica) instead of ldap.url, as Postfix binds there (postfix: lookup account or anonymous), else as ldap.bindDN', ldapUrl)
    .addOption(new Option('--max-age <duration>', 'the last successful sync must be younger than this (30m, 2h, 1d)').argParser(duration).default(2 * 3_600_000, '2h'))
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .addOption(logFormatOption())
    .option('-v, --verbose', 'print stack traces of errors', false)
    .action((o: { config?: string; server?: string; maxAge: number; format: 'text' | 'json'; logFormat: LogFormat; verbose: boolean }) =>
      run(async () => (await import('./commands/status.js')).statusCommand({ ...o, maxAgeMs: o.maxAge }, consoleOutput(o.verbose, o.logFormat))),
    );

  cli
    .command('postfix')
    .description('write ldap-relay-recipients.cf, ldap-relay-domains.cf and ldap-transport.cf, and print the main.cf lines that use them')
    .option('-c, --config <file>', CONFIG_HELP)
    .requiredOption('-o, --out <dir>', 'directory to write the query configuration files into (e.g. /etc/postfix)')
    .option('-v, --verbose', 'print stack traces of errors', false)
    .action((o: { config?: string; out: string; verbose: boolean }) =>
      run(async () => (await import('./commands/postfix.js')).postfixCommand(o, consoleOutput(o.verbose))),
    );

  cli
    .command('export')
    .description('write relay_recipients and relay_domains as Postfix map source files (no LDAP), and print the main.cf lines')
    .option('-c, --config <file>', CONFIG_HELP)
    .requiredOption('-o, --out <dir>', 'directory to write relay_recipients and relay_domains into (e.g. /etc/postfix)')
    .addOption(new Option('--postmap <type>', 'build the changed files with postmap TYPE:FILE').choices(['hash', 'btree', 'lmdb', 'cdb']))
    .addOption(new Option('--mode <octal>', 'file mode of the written files').argParser(fileMode).default(0o644, '0644'))
    .option('--allow-mass-delete', 'write files that drop more entries than guards.maxDeletePercent / maxDeleteCount', false)
    .option('-v, --verbose', 'print stack traces of errors and more detail', false)
    .action((o: { config?: string; out: string; postmap?: 'hash' | 'btree' | 'lmdb' | 'cdb'; mode: number; allowMassDelete: boolean; verbose: boolean }) =>
      run(async () => (await import('./commands/export.js')).exportCommand(o, consoleOutput(o.verbose))),
    );

  cli
    .command('verify')
    .description('look every published address and domain up as an MX does (the generated query configs, through postmap when installed) on each server, and compare with the admin database')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--sample <n>', 'look up only N published addresses and N domains, drawn at random (default: all)', positiveInteger)
    .addOption(new Option('--via <how>', 'how to look keys up: postmap (as Postfix), ldap (the same search over LDAP), auto = postmap when installed').choices(['auto', 'postmap', 'ldap']).default('auto'))
    .option('-v, --verbose', 'print stack traces of errors', false)
    .action((o: { config?: string; sample?: number; via: 'auto' | 'postmap' | 'ldap'; verbose: boolean }) =>
      run(async () => (await import('./commands/verify.js')).verifyCommand(o, consoleOutput(o.verbose))),
    );

  return cli;
}

async function main(argv: string[]): Promise<number> {
  let pending: Promise<number> | null = null;
  const cli = program((action) => {
    pending = action();
  });
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const json = argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'));
  try {
    await cli.parseAsync(argv, { from: 'user' });
    if (pending === null) {
      cli.outputHelp();
      return ExitCode.error;
    }
    return await pending;
  } catch (err) {
    return report(err, verbose, json);
  }
}

/** The one error handler: expected errors are one line each (no stack); anything else is a bug. */
function report(err: unknown, verbose: boolean, json = false): number {
  if (err instanceof CommanderError) {
    // Commander has printed its own message (or the help, which exits 0).
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.error;
  }
  if (json) {
    // --log-format json: the error is one JSON line too, so a log shipper never sees a stray text line.
    const message = err instanceof MxdirError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
    for (const line of message.split('\n')) process.stderr.write(jsonLogLine('error', line) + '\n');
    if (verbose && err instanceof Error && err.stack) process.stderr.write(jsonLogLine('debug', (err.cause instanceof Error && err.cause.stack) || err.stack) + '\n');
    return err instanceof MxdirError ? err.exitCode : ExitCode.error;
  }
  if (err instanceof MxdirError) {
    for (const line of err.message.split('\n')) process.stderr.write(redactSecrets(`mxdir: ${line}`) + '\n');
    if (verbose && err.cause instanceof Error && err.cause.stack) process.stderr.write(redactSecrets(err.cause.stack) + '\n');
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(redactSecrets(`mxdir: internal error: ${e.message.split('\n')[0]}${verbose ? '' : ' (run with --verbose for details)'}`) + '\n');
  if (verbose && e.stack) process.stderr.write(redactSecrets(e.stack) + '\n');
  return ExitCode.error;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Stopped by a signal: the lock is released and the report printed; connections abandoned
    // part-way must not keep the process alive.
    if (code === ExitCode.interruptedBySigint || code === ExitCode.interruptedBySigterm) process.exit(code);
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = report(err, false);
  },
);
