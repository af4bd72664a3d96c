import { replayDeliveries } from '../repos/webhooks.ts';
import { type Command, UsageError, parseFlags, withDeps } from './context.ts';

/** `parley webhook replay DELIVERY_ID…` or `--endpoint E`: failed deliveries go out again, with the same webhook-id. */
export const webhookReplay: Command = async (ctx) => {
  const { values, positionals } = parseFlags(ctx.args, { endpoint: { type: 'string' } }, true);
  const ids = positionals.map(Number);
  if (ids.some((id) => !Number.isSafeInteger(id) || id < 1)) throw new UsageError('delivery ids are positive integers');
  if ((ids.length === 0) === (values.endpoint === undefined)) throw new UsageError('usage: parley webhook replay DELIVERY_ID… | --endpoint ENDPOINT_ID');
  const n = await withDeps(ctx, values.database, (deps) =>
    replayDeliveries(deps.db, ids.length > 0 ? { ids } : { endpointId: values.endpoint as string }, deps.clock.now()),
  );
  ctx.io.out(`${n} failed ${n === 1 ? 'delivery' : 'deliveries'} queued again`);
  return 0;
};
