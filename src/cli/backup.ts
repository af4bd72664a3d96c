import { loadConfig } from '../config.ts';
import { OperatorError } from '../errors.ts';
import { backupSqlite } from '../storage/backup.ts';
import { parseDatabaseUrl } from '../storage/dialect.ts';
import { type Command, parseFlags, requireFlag } from './context.ts';

/** `parley backup --out FILE`: a consistent copy of the SQLite database while Parley keeps serving. */
export const backup: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { out: { type: 'string' } });
  const out = requireFlag(values.out, 'out');
  const config = loadConfig(ctx.env, values.database === undefined ? {} : { databaseUrl: values.database });
  const target = parseDatabaseUrl(config.databaseUrl);
  if (target.dialect !== 'sqlite') throw new OperatorError('PostgreSQL is backed up with pg_dump (docs/operations.md, Backups)');
  const { pages } = await backupSqlite(target.path, out);
  ctx.io.out(`Backed up ${target.path} to ${out} (${pages} pages)`);
  return 0;
};
