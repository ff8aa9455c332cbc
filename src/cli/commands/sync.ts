import type { Client } from 'ldapts';
import { loadConfig, type Config } from '../../config/index.js';
import { ensureBase } from '../../directory/base-entry.js';
import { checkServer, type ServerFeatures } from '../../directory/check-schema.js';
import { connect, redactUrl } from '../../directory/connect.js';
import { wantedEntries } from '../../directory/layout.js';
import { checkBaseParent, readSubtree } from '../../directory/read-subtree.js';
import { SyncLock } from '../../directory/sync-lock.js';
import { WriteInterrupted, writePlan } from '../../directory/write-plan.js';
import { ExitCode, MxdirError, RefusedError } from '../../errors.js';
import { applyTransportOverrides, buildDesiredState, mergeRecords, type DesiredState } from '../../model/index.js';
import { createSources, SourceError, type AdminRecords } from '../../source/index.js';
import { diff, guardPlan, isEmptyPlan, renderJson, renderLdif, renderText, type Plan } from '../../sync/index.js';
import type { Output } from '../output.js';
import { onStopSignal } from '../stop-signal.js';

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
}

const RENDER: Readonly<Record<PlanFormat, (plan: Plan) => string>> = { text: renderText, ldif: renderLdif, json: renderJson };

/**
 * inspect (admin database, managed subtree) -> wanted -> diff -> print or apply. A real sync holds
 * the tree's lock from before it reads until it has written, so two publishers never interleave.
 */
export async function syncCommand(options: SyncOptions, out: Output): Promise<number> {
  const started = Date.now();
  const config = await loadConfig({ file: options.config });
  const review = options.dryRun || options.check;
  // The admin database is read completely before anything in LDAP is touched: a source that fails
  // (down, a query error part-way) costs nothing published.
  const wanted = await readWanted(config, out);
  const client = await connect({ ...config.ldap });
  let lock: SyncLock | null = null;
  try {
    const server = await checkServer(client, redactUrl(config.ldap.url));
    if (!review) {
      await ensureBase(client, config.ldap.baseDN);
      lock = await SyncLock.acquire(client, config.ldap.baseDN, {
        waitSeconds: options.waitLock,
        staleSeconds: 90,
        heartbeatSeconds: 20,
        onWait: (who) => out.info(`waiting for another sync to finish (${who})`),
        onTakeover: (who) => out.warn(`taking over an abandoned sync lock (${who})`),
      });
    }
    const plan = await makePlan(config, wanted, client, out, options.allowMassDelete);
    if (review) {
      out.result(RENDER[options.format](plan));
      return options.check && !isEmptyPlan(plan) ? ExitCode.changesPending : ExitCode.ok;
    }
    for (const c of plan.conflicts) out.warn(`conflict: ${c.message}`);
    if (plan.refusals.length > 0) throw new RefusedError(plan.refusals.map((r) => `sync refused, nothing changed: ${r}`).join('\n'));
    if (isEmptyPlan(plan)) {
      out.info(`nothing to change: ${plan.summary.after.addresses} addresses in ${plan.summary.after.domains} domains published (${Date.now() - started} ms)`);
      return ExitCode.ok;
    }
    await apply(config, plan, server, out, () => lock?.lost ?? false);
    out.info(`published ${plan.summary.after.addresses} addresses in ${plan.summary.after.domains} domains (${Date.now() - started} ms)`);
    return ExitCode.ok;
  } finally {
    await lock?.release();
    await client.unbind().catch(() => undefined);
  }
}

/**
 * Every source, each read in one snapshot (in parallel), merged into the desired state. Any source
 * failing fails the whole read: a missing source would look like every one of its addresses deleted.
 */
export async function readWanted(config: Config, out: Output): Promise<DesiredState> {
  const sources = createSources(config);
  for (const source of sources) out.debug(`reading ${source.name}: ${source.description}`);
  const results = await Promise.allSettled(sources.map((source) => source.read()));
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
    const at = s.origin.where ?? `${s.origin.table} row${s.origin.row === s.value ? '' : ` ${JSON.stringify(s.origin.row)} value`}`;
    out.warn(`${many ? `${s.origin.source}: ` : ''}skipped ${at} ${JSON.stringify(s.value)}: ${s.reason}`);
  }
  const { state, unknownDomains } = applyTransportOverrides(built.state, config.transport);
  for (const d of unknownDomains) out.warn(`transport.${d}: no source publishes this domain; its next hop is not published`);
  out.debug(`desired: ${state.addresses.size} addresses in ${state.domains.size} domains`);
  return state;
}

/** Reads the managed subtree in bulk, diffs it against `state` and applies the guards; writes nothing. */
export async function makePlan(config: Config, state: DesiredState, client: Client, out: Output, allowMassDelete = false): Promise<Plan> {
  const existing = await readSubtree(client, config.ldap.baseDN);
  if (existing === null) await checkBaseParent(client, config.ldap.baseDN);
  out.debug(`read ${existing?.length ?? 0} entries under ${config.ldap.baseDN}`);
  const layout = { baseDN: config.ldap.baseDN, owner: config.ldap.owner, provenance: config.ldap.provenance };
  const plan = diff({ baseDN: config.ldap.baseDN, owner: config.ldap.owner, wanted: wantedEntries(state, layout), existing: existing ?? [] });
  const desired = { domains: state.domains.size, addresses: state.addresses.size };
  return guardPlan(plan, desired, { ...config.guards, allowMassDelete });
}

/** Writes the plan in batches; reports what was applied, also when it stops part-way. */
async function apply(config: Config, plan: Plan, server: ServerFeatures, out: Output, lockLost: () => boolean): Promise<void> {
  const stop = onStopSignal(() => out.info('stopping after the batch in hand (signal again to abandon it)'));
  try {
    const report = await writePlan(plan.operations, {
      open: () => connect({ ...config.ldap }),
      connections: config.ldap.connections,
      batchSize: config.ldap.batchSize,
      transactions: config.ldap.transactions === 'on' || (config.ldap.transactions === 'auto' && server.transactions),
      retries: config.ldap.retries,
      retryDelay: 500,
      shouldStop: () => stop.requested() || lockLost(),
      onNote: (line) => out.warn(line),
    });
    out.info(`applied: +${report.added} ~${report.modified} -${report.deleted}` + (report.reconciled ? ` (${report.reconciled} already done)` : ''));
  } catch (err) {
    if (!(err instanceof WriteInterrupted)) throw err;
    const r = err.report;
    const why = lockLost() ? 'another sync took over the lock' : err.cause instanceof Error ? err.cause.message : 'interrupted';
    throw new MxdirError(
      `${why}; applied ${r.added + r.modified + r.deleted + r.reconciled} of ${plan.operations.length} changes before stopping (+${r.added} ~${r.modified} -${r.deleted}); the next sync completes the rest`,
      ExitCode.error,
      { cause: err.cause },
    );
  } finally {
    stop.dispose();
  }
}
