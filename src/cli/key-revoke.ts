import { revokeKey } from '../services/projects.ts';
import { type Command, UsageError, parseFlags, withDeps } from './context.ts';

export const keyRevoke: Command = async (ctx) => {
  const { values, positionals } = parseFlags(ctx.args, {}, true);
  if (positionals.length !== 1) throw new UsageError('usage: parley key revoke KEY_ID');
  const keyId = positionals[0] as string;
  await withDeps(ctx, values.database, (deps) => revokeKey(deps, keyId));
  ctx.io.out(`Key ${keyId} revoked`);
  return 0;
};
