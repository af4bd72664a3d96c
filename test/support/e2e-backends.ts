// Where the browser end-to-end suites point each user's SDK: one in-process Parley on SQLite, or two
// `parley serve` processes sharing PostgreSQL and Redis (users split across them, so every event
// crosses the broker). `env` adds settings to both (e.g. a file store).
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { CreatedProject } from '../../src/services/projects.ts';
import { createLogger } from '../../src/logging.ts';
import { type ServerProcess, createProject, ensureBuilt, startServer } from '../torture/support.ts';
import { createTestApp } from './app.ts';
import { listen } from './chat.ts';
import { createTestDatabase } from './databases.ts';

export interface Backend {
  /** The test project, with every key `project create` prints. */
  project: CreatedProject;
  /** What `parley` commands need to act on this deployment: its database and its signing secret. */
  cliEnv: Record<string, string>;
  appKey: { id: string; secret: string; header: string };
  serverKeyHeader: string;
  /** The base URL each user's SDK (and ticket request) uses. */
  base: { alice: string; bob: string; carol: string };
  /** Server log lines at error level or worse. */
  problems(): string[];
  close(): Promise<void>;
}

/** A logger that keeps its lines at error level or worse (and shows them with PARLEY_TEST_LOG=debug). */
function problemLogger(): { logger: ReturnType<typeof createLogger>; problems: string[] } {
  const problems: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString('utf8').trimEnd();
      if (process.env.PARLEY_TEST_LOG === 'debug') console.log(line);
      problems.push(line);
      done();
    },
  });
  return { logger: createLogger('error', sink), problems };
}

export async function inProcessSqlite(env: Record<string, string> = {}): Promise<Backend> {
  const { logger, problems } = problemLogger();
  const t = await createTestApp('sqlite', env, logger);
  // Real time, not the test clock's frozen instant: the SDK pages history by `created`
  // (list_by_room/before takes messages strictly older than its oldest cached one).
  t.clock.now = () => Date.now();
  const url = await listen(t);
  return {
    project: t.project,
    // The signing secret is kept beside the SQLite file, where the CLI finds it too.
    cliEnv: { PARLEY_DATABASE_URL: t.databaseUrl },
    appKey: t.project.appKey,
    serverKeyHeader: t.project.serverKey.header,
    base: { alice: url, bob: url, carol: url },
    problems: () => [...problems],
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
    // A signing secret of this deployment's own, rather than whatever ./data/parley.secret the repository holds.
    const secret = { PARLEY_TICKET_SECRET: randomBytes(32).toString('base64url') };
    const project = await createProject(database.url, secret);
    const env = {
      PARLEY_REDIS_URL: 'redis://127.0.0.1:6379',
      PARLEY_REDIS_PREFIX: `parley-e2e-${randomBytes(4).toString('hex')}:`,
      ...secret,
      ...extraEnv,
    };
    // One after the other: the first one migrates (a no-op here: project create did), the second finds it done.
    servers.push(await startServer(database.url, env));
    servers.push(await startServer(database.url, env));
    const [one, two] = servers.map((s) => s.url.origin) as [string, string];
    return {
      project,
      cliEnv: { PARLEY_DATABASE_URL: database.url, ...secret },
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

/** Both setups, for a suite to run its scenario on each; `env` adds settings to the server(s). */
export const BACKENDS: Array<{ name: string; needsPostgres: boolean; start: (env?: Record<string, string>) => Promise<Backend> }> = [
  { name: 'one in-process node, SQLite', needsPostgres: false, start: (env) => inProcessSqlite(env) },
  { name: 'two processes, PostgreSQL + Redis (Alice on node 1, Bob on node 2)', needsPostgres: true, start: (env) => twoProcessesOnPostgres(env) },
];
