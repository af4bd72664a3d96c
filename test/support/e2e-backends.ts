// Where the browser end-to-end suites point each user's SDK: one in-process Parley on SQLite, or two
// `parley serve` processes sharing PostgreSQL and Redis (users split across them, so every event
// crosses the broker). `env` adds settings to both (e.g. a file store).
import { randomBytes } from 'node:crypto';
import { type ServerProcess, createProject, ensureBuilt, startServer } from '../torture/support.ts';
import { createTestApp } from './app.ts';
import { listen } from './chat.ts';
import { createTestDatabase } from './databases.ts';

export interface Backend {
  appKey: { id: string; secret: string; header: string };
  serverKeyHeader: string;
  /** The base URL each user's SDK (and ticket request) uses. */
  base: { alice: string; bob: string; carol: string };
  /** Server log lines at error level or worse (processes only). */
  problems(): string[];
  close(): Promise<void>;
}

export async function inProcessSqlite(env: Record<string, string> = {}): Promise<Backend> {
  const t = await createTestApp('sqlite', env);
  // Real time, not the test clock's frozen instant: the SDK pages history by `created`
  // (list_by_room/before takes messages strictly older than its oldest cached one).
  t.clock.now = () => Date.now();
  const url = await listen(t);
  return {
    appKey: t.project.appKey,
    serverKeyHeader: t.project.serverKey.header,
    base: { alice: url, bob: url, carol: url },
    problems: () => [],
    close: () => t.close(),
  };
}

/** `nodes`: the two processes, for a suite that stops one or reads what they logged. */
export async function twoProcessesOnPostgres(extraEnv: Record<string, string> = {}): Promise<Backend & { nodes: ServerProcess[] }> {
  await ensureBuilt();
  const database = await createTestDatabase('postgres');
  const servers: ServerProcess[] = [];
  const close = async () => {
    await Promise.all(
      servers.map((s) => {
        if (s.child.exitCode !== null || s.child.signalCode !== null) return undefined;
        s.child.kill('SIGKILL');
        return s.exited;
      }),
    );
    await database.drop();
  };
  try {
    const project = await createProject(database.url);
    const env = { PARLEY_REDIS_URL: 'redis://127.0.0.1:6379', PARLEY_REDIS_PREFIX: `parley-e2e-${randomBytes(4).toString('hex')}:`, ...extraEnv };
    // One after the other: the first one migrates (a no-op here: project create did), the second finds it done.
    servers.push(await startServer(database.url, env));
    servers.push(await startServer(database.url, env));
    const [one, two] = servers.map((s) => s.url.origin) as [string, string];
    return {
      appKey: project.appKey,
      serverKeyHeader: project.serverKey.header,
      base: { alice: one, bob: two, carol: one },
      problems: () => servers.flatMap((s) => s.problems),
      nodes: servers,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Both setups, for a suite to run its scenario on each. */
export const BACKENDS: Array<{ name: string; needsPostgres: boolean; start: () => Promise<Backend> }> = [
  { name: 'one in-process node, SQLite', needsPostgres: false, start: () => inProcessSqlite() },
  { name: 'two processes, PostgreSQL + Redis (Alice on node 1, Bob on node 2)', needsPostgres: true, start: () => twoProcessesOnPostgres() },
];
