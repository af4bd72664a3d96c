import { listDeliveries } from '../repos/webhooks.ts';
import { resolveProject } from '../services/projects.ts';
import { type Command, UsageError, parseFlags, printJson, withDeps } from './context.ts';

const STATUSES = ['pending', 'delivered', 'failed'] as const;

/** `parley webhook deliveries [--project P] [--endpoint E] [--status pending|delivered|failed] [--limit N] [--json]` */
export const webhookDeliveries: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, {
    project: { type: 'string' },
    endpoint: { type: 'string' },
    status: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  const status = values.status as (typeof STATUSES)[number] | undefined;
  if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of: ${STATUSES.join(', ')}`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be an integer from 1 to 10000');
  const rows = await withDeps(ctx, values.database, async (deps) =>
    listDeliveries(deps.db, {
      limit,
      ...(values.project === undefined ? {} : { projectId: await resolveProject(deps, values.project) }),
      ...(values.endpoint === undefined ? {} : { endpointId: values.endpoint }),
      ...(status === undefined ? {} : { status }),
    }),
  );
  const out = rows.map(({ payload: _, ...d }) => d);
  if (values.json) printJson(ctx.io, out);
  else if (out.length === 0) ctx.io.out('No deliveries');
  else {
    for (const d of out) {
      ctx.io.out(
        `${d.id}  ${d.status.padEnd(9)}  ${d.event.padEnd(15)}  ${d.messageId}  attempts ${d.attempts}  ${d.lastStatus ?? ''} ${d.lastError ?? ''}`.trimEnd(),
      );
    }
  }
  return 0;
};
