import { hostname } from 'node:os';
import type { Client } from 'ldapts';
import { redactSecrets } from '../../config/secret.js';
import { loadConfig, type Config } from '../../config/index.js';
import { ensureBase } from '../../directory/base-entry.js';
import { checkServer, type ServerFeatures } from '../../directory/check-schema.js';
import { connect, redactUrl } from '../../directory/connect.js';
import { reasonOf } from '../../directory/ldap-errors.js';
import { LdapSession } from '../../directory/session.js';
import { wantedSet } from '../../directory/layout.js';
import { checkBaseParent, readSubtree } from '../../directory/read-subtree.js';
import { LockedError, SyncLock } from '../../directory/sync-lock.js';
import { WriteInterrupted, writePlan } from '../../directory/write-plan.js';
import { statusDn, statusValues, writeStatus } from '../../directory/sync-status.js';
import { ExitCode, InterruptedError, MxdirError, RefusedError } from '../../errors.js';
import { applyTransportOverrides, buildDesiredState, mergeRecords, publishedDigest, type DesiredState } from '../../model/index.js';
import { writeMetricsFile } from '../../service/metrics-file.js';
import { oneLine, summaryLine, type RunReport } from '../../service/run-report.js';
import { runEvery } from '../../service/schedule.js';
import { Aborted, untilAborted, withRetries } from '../../retry.js';
import { createSources, SourceError, type AdminRecords, type Source } from '../../source/index.js';
import { isTransientSourceError } from '../../source/transient.js';
import type { SourceConfig } from '../../config/index.js';
import { Differ, guardPlan, isEmptyPlan, renderJson, renderLdif, renderText, type Plan } from '../../sync/index.js';
import type { Output } from '../output.js';
import { collectGarbage } from '../collect-garbage.js';
import { createProgress, type Progress } from '../progress.js';
import { quoteValue } from '../quote.js';
import { onStopSignals, signalExitCode, type StopSignals } from '../stop-signal.js';

export type PlanFormat = 'text' | 'ldif' | 'json';

export interface SyncOptions {
  readonly config?: string | undefined;
  readonly dryRun: boolean;
  readonly check: boolean;
  readonly format: PlanFormat;
  /** Lift the delete limits for one reviewed run. */
  readonly allowMassDelete: boolean;
  /** Seconds to wait for another sync's lock. */
  readonly waitLock: number;
  /** Run as a service: at once, then every so many milliseconds, until SIGTERM/SIGINT. */
  readonly everyMs?: number | undefined;
  /** Prometheus textfile-collector metrics, rewritten after every run. */
  readonly metricsFile?: string | undefined;
  readonly verbose?: boolean;
}

const RENDER: Readonly<Record<PlanFormat, (plan: Plan) => string>> = { text: renderText, ldif: renderLdif, json: renderJson };

/**
 * A dry run prints the plan; a real sync publishes once, or (--every) runs as a service. Each real
 * run ends with one summary line, its outcome in the directory's status entry, and the metrics file.
 */
export async function syncCommand(options: SyncOptions, out: Output): Promise<number> {
  if (options.everyMs !== undefined && (options.dryRun || options.check)) {
    throw new MxdirError('--every runs real syncs; it cannot be combined with --dry-run or --check');
  }
  const config = await loadConfig({ file: options.config });
  if (options.dryRun || options.check) return review(config, options, out);
  if (options.everyMs === undefined) {
    const report = await publishAndRecord(config, options, out, () => false);
    return report.exitCode;
  }
  await runEvery({
    intervalMs: options.everyMs,
    log: out,
    run: async (stopRequested) => {
      await publishAndRecord(config, options, out, stopRequested);
    },
  });
  return ExitCode.ok;
}

/** --dry-run and --check: read both sides, print the plan, change nothing. */
async function review(config: Config, options: SyncOptions, out: Output): Promise<number> {
  const wanted = await readWanted(config, out);
  collectGarbage(); // the records are dead: do not carry them into the directory phase
  const session = ldapSession(config, out);
  const where = redactUrl(config.ldap.url);
  try {
    await session.run(`connect to ${where}`, (client) => checkServer(client, where));
    const plan = await session.run(`read ${config.ldap.baseDN}`, (client) => makePlan(config, wanted, client, out, options.allowMassDelete));
    out.result(RENDER[options.format](plan));
    return options.check && !isEmptyPlan(plan) ? ExitCode.changesPending : ExitCode.ok;
  } finally {
    await session.close();
  }
}

/** The sync's own connection: each step retried on a fresh one after a transient failure (ldap.retries). */
function ldapSession(config: Config, out: Output): LdapSession {
  return new LdapSession(() => connect({ ...config.ldap }), { retries: config.ldap.retries, delay: config.ldap.retryDelay }, (line) => out.warn(line));
}

/**
 * One real run, then its status entry, metrics, error (if any) and summary line. Never throws.
 * A one-shot run in text format that fails ends with its `mxdir: reason` line alone, as every mxdir
 * error does (scripts read the last line); the service and JSON logs add the summary line.
 */
async function publishAndRecord(config: Config, options: SyncOptions, out: Output, stopRequested: () => boolean): Promise<RunReport> {
  const startedAt = new Date();
  let report: RunReport;
  let error: unknown = null;
  const run: RunState = {
    stopRequested,
    writing: false,
    connectFailed: false,
    // Installed for the whole run, status and metrics included: a signal that arrives while they are
    // written must not kill the process by the default action (exit without a code, lock or report).
    signals: onStopSignals((signal) =>
      out.info(run.writing ? `${signal}: stopping after the batch in hand (signal again to abandon it)` : `${signal}: stopping before anything is written`),
    ),
  };
  try {
    try {
      const done = await publish(config, options, out, run);
      report = { result: 'ok', startedAt, durationMs: Date.now() - startedAt.getTime(), message: 'ok', exitCode: ExitCode.ok, ...done };
    } catch (err) {
      error = err;
      const result = err instanceof RefusedError ? 'refused' : err instanceof LockedError ? 'skipped' : 'failed';
      const message = oneLine(redactSecrets(err instanceof Error ? err.message : String(err)));
      report = { result, startedAt, durationMs: Date.now() - startedAt.getTime(), message, exitCode: err instanceof MxdirError ? err.exitCode : ExitCode.error };
    }
    // A run that could not connect to LDAP cannot record that it could not either.
    if (report.result !== 'skipped' && !run.connectFailed) await recordStatus(config, report, out);
    if (options.metricsFile) {
      await writeMetricsFile(options.metricsFile, report).catch((err: unknown) =>
        out.warn(`metrics not written to ${options.metricsFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`),
      );
    }
    if (error !== null) logError(out, error, options.verbose ?? false);
    if (error === null || options.everyMs !== undefined || out.format === 'json') {
      const summary = summaryLine(report);
      // Text: the plain line, whatever the result (no `warning:`/`mxdir:` prefix); JSON: at its level.
      if (out.format === 'json') out[summary.level](summary.msg, summary.fields);
      else out.info(summary.msg, summary.fields);
    }
    return report;
  } finally {
    run.signals.dispose();
  }
}

/** What the steps of one run share: how it is asked to stop, and how far it got. */
interface RunState {
  readonly signals: StopSignals;
  /** The service's own stop request, checked between steps. */
  readonly stopRequested: () => boolean;
  /** Writing has begun: a signal now finishes the batch in hand rather than abandoning the run. */
  writing: boolean;
  /** LDAP could not be reached, so there is nowhere to record the run. */
  connectFailed: boolean;
}

/**
 * A real sync, ended cleanly by SIGTERM/SIGINT at any point: before writing, what it waits on is
 * abandoned and nothing changes; while writing, the batch in hand is finished. Either way the lock is
 * released and the error says what was applied; its exit code is 128 + the signal.
 */
async function publish(
  config: Config,
  options: SyncOptions,
  out: Output,
  run: RunState,
): Promise<Pick<RunReport, 'counts' | 'digest'>> {
  try {
    return await publishSteps(config, options, out, run);
  } catch (err) {
    const signal = run.signals.received();
    if (signal !== null && !(err instanceof InterruptedError) && (err instanceof Aborted || run.signals.stop.aborted)) {
      throw new InterruptedError(`stopped by ${signal} before writing; nothing changed`, signalExitCode(signal), { cause: err });
    }
    throw err;
  }
}

/**
 * inspect (admin database, managed subtree) -> wanted -> diff -> apply. The sync holds the tree's
 * lock from before it reads until it has written, so two publishers never interleave.
 */
async function publishSteps(
  config: Config,
  options: SyncOptions,
  out: Output,
  run: RunState,
): Promise<Pick<RunReport, 'counts' | 'digest'>> {
  const stop = run.signals.stop;
  // The admin database is read completely before anything in LDAP is touched: a source that fails
  // (down, a query error part-way) costs nothing published.
  const wanted = await readWanted(config, out, stop);
  const digest = publishedDigest(wanted);
  collectGarbage(); // the records are dead: do not carry them into the directory phase
  if (run.stopRequested()) throw new MxdirError('stopped by signal before writing; nothing changed');
  const session = ldapSession(config, out);
  // A signal abandons the step in hand: closing its connection makes it fail at once.
  const dropOnStop = (): void => session.drop();
  stop.addEventListener('abort', dropOnStop, { once: true });
  const where = redactUrl(config.ldap.url);
  let lock: SyncLock | null = null;
  try {
    run.connectFailed = true;
    const server = await session.run(`connect to ${where}`, (client) => checkServer(client, where), stop);
    run.connectFailed = false;
    await session.run(`check ${config.ldap.baseDN}`, (client) => ensureBase(client, config.ldap.baseDN), stop);
    lock = await SyncLock.acquire(session, config.ldap.baseDN, {
      waitSeconds: options.waitLock,
      staleSeconds: 90,
      heartbeatSeconds: 20,
      ...(config.ldap.publisher ? { host: config.ldap.publisher } : {}),
      signal: stop,
      onWait: (who) => out.info(`waiting for another sync to finish (${who})`),
      onTakeover: (who) => out.warn(`taking over an abandoned sync lock (${who})`),
    });
    out.debug(`took the sync lock ${lock.dn}`);
    const plan = await session.run(`read ${config.ldap.baseDN}`, (client) => makePlan(config, wanted, client, out, options.allowMassDelete), stop);
    if (stop.aborted) throw new Aborted();
    stop.removeEventListener('abort', dropOnStop);
    for (const c of plan.conflicts) out.warn(`conflict: ${c.message}`);
    if (plan.refusals.length > 0) throw new RefusedError(plan.refusals.map((r) => `sync refused, nothing changed: ${r}`).join('\n'));
    const counts = {
      domains: plan.summary.after.domains,
      addresses: plan.summary.after.addresses,
      added: plan.operations.filter((op) => op.op === 'add').length,
      modified: plan.operations.filter((op) => op.op === 'modify').length,
      deleted: plan.operations.filter((op) => op.op === 'delete').length,
    };
    if (isEmptyPlan(plan)) {
      out.info('nothing to change');
      return { counts, digest };
    }
    if (run.stopRequested()) throw new MxdirError('stopped by signal before writing; nothing changed');
    const held = lock;
    run.writing = true;
    await apply(config, plan, server, out, () => held.lost, run.stopRequested, run.signals);
    return { counts, digest };
  } finally {
    stop.removeEventListener('abort', dropOnStop);
    await lock?.release();
    await session.close();
  }
}

/** The run's error as the top-level handler would print it: one line each, the stack with --verbose. */
function logError(out: Output, err: unknown, verbose: boolean): void {
  if (err instanceof MxdirError) {
    for (const line of err.message.split('\n')) out.error(line);
    if (verbose && err.cause instanceof Error && err.cause.stack) out.debug(err.cause.stack);
    return;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  out.error(`internal error: ${e.message.split('\n')[0]}${verbose ? '' : ' (run with --verbose for details)'}`);
  if (verbose && e.stack) out.debug(e.stack);
}

/** Writes the run's outcome to the status entry; a failure to do so is a warning, never a failed sync. */
async function recordStatus(config: Config, report: RunReport, out: Output): Promise<void> {
  const dn = statusDn(config.ldap.baseDN, config.ldap.owner);
  try {
    const client = await connect({ ...config.ldap });
    try {
      const written = await writeStatus(client, config.ldap.baseDN, config.ldap.owner, statusValues(report, hostname()));
      if (!written) out.debug(`sync status not recorded: ${config.ldap.baseDN} does not exist yet`);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  } catch (err) {
    out.warn(`sync status not recorded in ${dn}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/**
 * Every source, each read in one snapshot (in parallel), merged into the desired state. Any source
 * failing fails the whole read: a missing source would look like every one of its addresses deleted.
 */
export async function readWanted(config: Config, out: Output, signal?: AbortSignal): Promise<DesiredState> {
  const sources = createSources(config);
  for (const source of sources) out.debug(`reading ${source.name}: ${source.description}`);
  const results = await Promise.allSettled(sources.map((source, i) => readSource(source, config.sources[i], out, signal)));
  if (signal?.aborted) throw new Aborted();
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ name: sources[i]!.name, err: r.reason as unknown }] : []));
  for (const f of failed.slice(1)) out.warn(`source ${f.name}: ${f.err instanceof Error ? f.err.message : String(f.err)}`);
  if (failed[0]) {
    const { name, err } = failed[0];
    // Messages that name their source already (sql), and the core's single PostfixAdmin source, stay as they are.
    const text = err instanceof Error ? err.message : String(err);
    if (err instanceof Error && (text.startsWith(`source ${name}:`) || config.sourcePaths[0] === 'source')) throw err;
    const message = `source ${name}: ${text}`;
    throw err instanceof MxdirError ? new SourceError(message, err.exitCode, { cause: err }) : new SourceError(message, undefined, { cause: err });
  }
  const records = mergeRecords(results.map((r) => (r as PromiseFulfilledResult<AdminRecords>).value));
  const built = buildDesiredState(records);
  // With a `sources:` list (or acceptAll beside `source:`), reports say which source a row is from.
  const many = sources.length > 1 || config.sourcePaths[0] !== 'source';
  for (const s of built.skipped) {
    // The row key too when it is not the value itself (a domain row's transport), so people find it.
    const at = s.origin.where ?? `${s.origin.table} row${s.origin.row === s.value ? '' : ` ${quoteValue(s.origin.row)} value`}`;
    out.warn(`${many ? `${s.origin.source}: ` : ''}skipped ${at} ${quoteValue(s.value)}: ${s.reason}`);
  }
  const { state, unknownDomains } = applyTransportOverrides(built.state, config.transport);
  for (const d of unknownDomains) out.warn(`transport.${d}: no source publishes this domain; its next hop is not published`);
  out.debug(`desired: ${state.addresses.size} addresses in ${state.domains.size} domains`);
  return state;
}

/** One source's read, retried with backoff while its database is down or the connection breaks. */
function readSource(source: Source, config: SourceConfig | undefined, out: Output, signal?: AbortSignal): Promise<AdminRecords> {
  const policy = config && 'retries' in config ? { retries: config.retries, delay: config.retryDelay } : { retries: 0, delay: 1 };
  return withRetries(() => untilAborted(source.read(signal), signal), {
    ...policy,
    isTransient: isTransientSourceError,
    signal,
    onRetry: (attempt, ms, err) =>
      out.warn(`source ${source.name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}; retry ${attempt - 1} of ${policy.retries} in ${ms} ms`),
  });
}

/** Reads the managed subtree in bulk, diffs it against `state` and applies the guards; writes nothing. */
export async function makePlan(config: Config, state: DesiredState, client: Client, out: Output, allowMassDelete = false): Promise<Plan> {
  const layout = { baseDN: config.ldap.baseDN, owner: config.ldap.owner, provenance: config.ldap.provenance };
  // Each entry is diffed as its page arrives: the tree is never held whole in memory.
  const differ = new Differ(config.ldap.baseDN, config.ldap.owner, wantedSet(state, layout));
  let read = 0;
  const progress = progressFor(out);
  const found = await readSubtree(client, config.ldap.baseDN, (entry) => {
    differ.see(entry);
    if (++read % 500 === 0) progress.update('reading the directory', read, null);
  }).finally(() => progress.clear());
  if (!found) await checkBaseParent(client, config.ldap.baseDN);
  out.debug(`read ${read} entries under ${config.ldap.baseDN}`);
  const plan = differ.plan();
  const desired = { domains: state.domains.size, addresses: state.addresses.size };
  return guardPlan(plan, desired, { ...config.guards, allowMassDelete });
}

/** The terminal progress line; never with --log-format json, whose every line must be an object. */
function progressFor(out: Output): Progress {
  return out.format === 'json' ? { update: () => undefined, clear: () => undefined } : createProgress(process.stderr);
}

/** Writes the plan in batches; reports what was applied, also when it stops part-way. */
async function apply(
  config: Config,
  plan: Plan,
  server: ServerFeatures,
  out: Output,
  lockLost: () => boolean,
  stopRequested: () => boolean,
  signals: StopSignals,
): Promise<void> {
  const progress = progressFor(out);
  const onStop = (): void => progress.clear();
  const onAbandon = (): void => out.info('abandoning the batches in hand after the operation in flight (their transactions are aborted)');
  signals.stop.addEventListener('abort', onStop, { once: true });
  signals.abandon.addEventListener('abort', onAbandon, { once: true });
  try {
    const report = await writePlan(plan.operations, {
      open: () => connect({ ...config.ldap }),
      connections: config.ldap.connections,
      batchSize: config.ldap.batchSize,
      transactions: config.ldap.transactions === 'on' || (config.ldap.transactions === 'auto' && server.transactions),
      retries: config.ldap.retries,
      retryDelay: Math.round(config.ldap.retryDelay * 1000),
      shouldStop: () => signals.stop.aborted || stopRequested() || lockLost(),
      abandon: signals.abandon,
      onNote: (line) => {
        progress.clear();
        out.warn(line);
      },
      onProgress: (done, total) => progress.update('writing', done, total),
    });
    progress.clear();
    out.info(`applied: +${report.added} ~${report.modified} -${report.deleted}` + (report.reconciled ? ` (${report.reconciled} already done)` : ''));
  } catch (err) {
    if (!(err instanceof WriteInterrupted)) throw err;
    const r = err.report;
    const signal = signals.received();
    const why = lockLost() ? 'another sync took over the lock' : signal ? `stopped by ${signal}` : stopRequested() ? 'stopped by signal' : reasonOf(err.cause);
    const message = `${why}; applied ${r.added + r.modified + r.deleted + r.reconciled} of ${plan.operations.length} changes before stopping (+${r.added} ~${r.modified} -${r.deleted}); the next sync completes the rest`;
    if (signal && !lockLost()) throw new InterruptedError(message, signalExitCode(signal), { cause: err.cause });
    throw new MxdirError(message, ExitCode.error, { cause: err.cause });
  } finally {
    progress.clear();
    signals.stop.removeEventListener('abort', onStop);
    signals.abandon.removeEventListener('abort', onAbandon);
  }
}
