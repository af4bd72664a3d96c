import { loadConfig } from '../config.ts';
import { openDatabase } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrate.ts';
import { type Command, parseFlags } from './context.ts';

export const migrate: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, {});
  const config = loadConfig(ctx.env, values.database === undefined ? {} : { databaseUrl: values.database });
  // A migration may rewrite a large table: no statement or query timeout here (0 leaves the server's own),
  // where a serving node keeps PARLEY_PG_STATEMENT_TIMEOUT.
  const database = await openDatabase(config.databaseUrl, {
    migrate: false,
    sqliteSynchronous: config.sqliteSynchronous,
    pgLimits: { ...config.pgLimits, statement: 0, query: 0 },
  });
  try {
    const ran = await migrateToLatest(database.db);
    ctx.io.out(ran.length === 0 ? 'Database is up to date' : `Applied: ${ran.join(', ')}`);
  } finally {
    await database.close();
  }
  return 0;
};
