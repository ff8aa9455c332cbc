import { loadConfig, type Config } from '../../config/index.js';
import { checkServer, type ServerFeatures } from '../../directory/check-schema.js';
import { connect, redactUrl } from '../../directory/connect.js';
import { wantedEntries } from '../../directory/layout.js';
import { checkBaseParent, readSubtree } from '../../directory/read-subtree.js';
import { WriteInterrupted, writePlan } from '../../directory/write-plan.js';
import { ExitCode, MxdirError, RefusedError } from '../../errors.js';
import { buildDesiredState } from '../../model/index.js';
import { createSource } from '../../source/index.js';
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
}

const RENDER: Readonly<Record<PlanFormat, (plan: Plan) => string>> = { text: renderText, ldif: renderLdif, json: renderJson };

/** Admin database -> desired state -> diff against the managed subtree -> print or apply. */
export async function syncCommand(options: SyncOptions, out: Output): Promise<number> {
  const started = Date.now();
  const config = await loadConfig({ file: options.config });
  const { plan, server } = await makePlan(config, out, options.allowMassDelete);
  if (options.dryRun || options.check) {
    out.result(RENDER[options.format](plan));
    return options.check && !isEmptyPlan(plan) ? ExitCode.changesPending : ExitCode.ok;
  }
  for (const c of plan.conflicts) out.warn(`conflict: ${c.message}`);
  if (plan.refusals.length > 0) throw new RefusedError(plan.refusals.map((r) => `sync refused, nothing changed: ${r}`).join('\n'));
  if (isEmptyPlan(plan)) {
    out.info(`nothing to change: ${plan.summary.after.addresses} addresses in ${plan.summary.after.domains} domains published (${Date.now() - started} ms)`);
    return ExitCode.ok;
  }
  const stop = onStopSignal(() => out.info('stopping after the batch in hand (signal again to abandon it)'));
  try {
    const transactions = config.ldap.transactions === 'on' || (config.ldap.transactions === 'auto' && server.transactions);
    const report = await writePlan(plan.operations, {
      open: () => connect({ ...config.ldap }),
      connections: config.ldap.connections,
      batchSize: config.ldap.batchSize,
      transactions,
      retries: config.ldap.retries,
      retryDelay: 500,
      shouldStop: stop.requested,
      onNote: (line) => out.warn(line),
    });
    out.info(
      `applied: +${report.added} ~${report.modified} -${report.deleted}` +
        (report.reconciled ? ` (${report.reconciled} already done)` : '') +
        `; published ${plan.summary.after.addresses} addresses in ${plan.summary.after.domains} domains (${Date.now() - started} ms)`,
    );
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof WriteInterrupted) {
      const r = err.report;
      const why = err.cause instanceof Error ? err.cause.message : 'interrupted';
      throw new MxdirError(
        `${why}; applied ${r.added + r.modified + r.deleted + r.reconciled} of ${plan.operations.length} changes before stopping; the next sync completes the rest`,
        ExitCode.error,
        { cause: err.cause },
      );
    }
    throw err;
  } finally {
    stop.dispose();
  }
}

/** Reads both sides in bulk, diffs them and applies the guards; writes nothing. */
export async function makePlan(config: Config, out: Output, allowMassDelete = false): Promise<{ plan: Plan; server: ServerFeatures }> {
  const source = createSource(config.source, config.baseDir);
  out.debug(`reading ${source.description}`);
  const records = await source.read();
  const { state, skipped } = buildDesiredState(records);
  for (const s of skipped) out.warn(`skipped ${s.origin.table} row ${JSON.stringify(s.value)}: ${s.reason}`);
  out.debug(`desired: ${state.addresses.size} addresses in ${state.domains.size} domains`);

  const where = redactUrl(config.ldap.url);
  const client = await connect({ ...config.ldap });
  try {
    const server = await checkServer(client, where);
    const existing = await readSubtree(client, config.ldap.baseDN);
    if (existing === null) await checkBaseParent(client, config.ldap.baseDN);
    out.debug(`read ${existing?.length ?? 0} entries under ${config.ldap.baseDN}`);
    const layout = { baseDN: config.ldap.baseDN, owner: config.ldap.owner, provenance: config.ldap.provenance };
    const plan = diff({ baseDN: config.ldap.baseDN, owner: config.ldap.owner, wanted: wantedEntries(state, layout), existing: existing ?? [] });
    const desired = { domains: state.domains.size, addresses: state.addresses.size };
    return { plan: guardPlan(plan, desired, { ...config.guards, allowMassDelete }), server };
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
