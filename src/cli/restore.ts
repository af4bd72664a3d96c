import { loadConfig } from '../config.ts';
import { OperatorError } from '../errors.ts';
import { restoreSqlite } from '../storage/backup.ts';
import { parseDatabaseUrl } from '../storage/dialect.ts';
import { type Command, parseFlags, requireFlag } from './context.ts';

/** `parley restore --from FILE [--force]`: a backup made by `parley backup` becomes the database. */
export const restore: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { from: { type: 'string' }, force: { type: 'boolean' } });
  const from = requireFlag(values.from, 'from');
  const config = loadConfig(ctx.env, values.database === undefined ? {} : { databaseUrl: values.database });
  const target = parseDatabaseUrl(config.databaseUrl);
  if (target.dialect !== 'sqlite') throw new OperatorError('PostgreSQL is restored with pg_restore (docs/operations.md, Backups)');
  const { pages } = await restoreSqlite(from, target.path, values.force === true);
  ctx.io.out(`Restored ${from} into ${target.path} (${pages} pages)`);
  return 0;
};
