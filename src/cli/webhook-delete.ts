import { deleteEndpoint } from '../services/webhooks.ts';
import { type Command, UsageError, parseFlags, withDeps } from './context.ts';

/** `parley webhook delete ID`: its pending deliveries are dropped. */
export const webhookDelete: Command = async (ctx) => {
  const { values, positionals } = parseFlags(ctx.args, {}, true);
  if (positionals.length !== 1) throw new UsageError('usage: parley webhook delete ENDPOINT_ID');
  const id = positionals[0] as string;
  await withDeps(ctx, values.database, (deps) => deleteEndpoint(deps, id));
  ctx.io.out(`Webhook ${id} deleted`);
  return 0;
};
