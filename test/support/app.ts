// Builds the real app on a real database, through the same composition functions as `parley serve`.
// PARLEY_TEST_LOG=debug shows the apps' logs (silent otherwise).
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { createDeps } from '../../src/compose.ts';
import type { Clock, Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/logging.ts';
import { type ServerOptions, buildServer } from '../../src/server.ts';
import { type CreatedProject, type Tier, createProject } from '../../src/services/projects.ts';
import type { DialectName } from '../../src/storage/dialect.ts';
import { createTestDatabase } from './databases.ts';

export class TestClock implements Clock {
  constructor(public ms = Date.now()) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  deps: Deps;
  clock: TestClock;
  databaseUrl: string;
  project: CreatedProject;
  newProject(tier?: Tier | null): Promise<CreatedProject>;
  close(): Promise<void>;
}

/** A second node on an existing test database: pass its URL as PARLEY_DATABASE_URL (it is not dropped). */
export async function createTestApp(
  dialect: DialectName,
  env: Record<string, string> = {},
  logger?: FastifyBaseLogger,
  /** `workers: false` builds a node without background work (no webhook dispatcher), as CLI commands do. */
  server: Pick<ServerOptions, 'demoAssets' | 'inboxAssets'> & { workers?: boolean } = {},
): Promise<TestApp> {
  const shared = env.PARLEY_DATABASE_URL;
  const database = shared === undefined ? await createTestDatabase(dialect) : { url: shared, drop: async () => {} };
  // Suites send many wrong credentials on purpose from one address; the guard's own test sets low limits.
  const config = loadConfig({
    PARLEY_AUTH_FAILURES_PER_ADDRESS: '1000000',
    PARLEY_AUTH_FAILURES_PER_KEY: '1000000',
    ...env,
    PARLEY_DATABASE_URL: database.url,
  });
  const clock = new TestClock();
  const { workers, ...assets } = server;
  const deps = await createDeps(config, { clock, logger: logger ?? createLogger(process.env.PARLEY_TEST_LOG === 'debug' ? 'debug' : 'silent'), workers });
  const app = await buildServer(deps, { ...assets, bodyLimit: config.bodyLimit, trustProxy: config.trustProxy });
  // Project names are unique: "test", then "test 2", "test 3", …; a node on a shared database picks its own.
  const prefix = shared === undefined ? 'test' : `test ${randomBytes(4).toString('hex')}`;
  let projects = 0;
  const newProject = (tier: Tier | null = 'free') => createProject(deps, { name: ++projects === 1 ? prefix : `${prefix} ${projects}`, tier });
  const project = await newProject();
  return {
    app,
    deps,
    clock,
    databaseUrl: database.url,
    project,
    newProject,
    close: async () => {
      await app.close();
      await deps.close();
      await database.drop();
    },
  };
}

/**
 * Settings under which a node caches keys, profiles and sessions: on PostgreSQL only where Redis tells
 * every node of a change (its own key prefix per app); SQLite caches without it.
 */
export function cachingEnv(dialect: DialectName): Record<string, string> {
  return dialect === 'postgres' ? { PARLEY_REDIS_URL: 'redis://127.0.0.1:6379', PARLEY_REDIS_PREFIX: `parley-test-${randomBytes(4).toString('hex')}:` } : {};
}

/** How many calls to `route` the app answered before routing (parley_fast_path_requests_total). */
export async function fastPathCount(t: TestApp, route: string): Promise<number> {
  return (await t.deps.metrics.fastPath.get()).values.find((v) => v.labels.route === route)?.value ?? 0;
}

/** How many refused credentials the app counted, all codes together (parley_auth_failures_total). */
export async function authFailureCount(t: TestApp): Promise<number> {
  return (await t.deps.metrics.authFailures.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** A token bundle's envelope with what differs between any two logins blanked: the tokens and the login times. */
export function bundleShape(e: Envelope<TokenBundle>) {
  return { ...e, data: { ...e.data, accessToken: '', refreshToken: '', user: { ...e.data.user, lastLogin: 0, lastActivity: 0 } } };
}

/** An answer's header names, sorted, without those a transport sets per connection (to compare two answers' headers). */
export function headerNames(headers: Iterable<[string, unknown]>): string[] {
  return [...headers]
    .map(([k]) => k)
    .filter((k) => !['date', 'connection', 'keep-alive'].includes(k))
    .sort();
}

/**
 * POSTs a JSON body (or a raw string) and returns status, parsed envelope and headers. `T` is what the
 * caller expects in `data` on success (a refusal's `data` is `{}`).
 */
export async function post<T = Record<string, unknown>>(app: FastifyInstance, url: string, headers: Record<string, string>, body?: unknown) {
  const payload = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload });
  return { status: res.statusCode, body: res.json() as Envelope<T>, headers: res.headers };
}

/** What ticket endpoints answer (PowerTalk auth_ticket/request; OneTalk request_auth_ticket adds success and message). */
export interface Ticketed {
  userID: string;
  ticket: string;
}

/** What access_token/request and refresh answer. */
export interface TokenBundle {
  accessToken: string;
  accessTokenExpiry: number;
  refreshToken: string;
  refreshTokenExpiry: number;
  user: Record<string, unknown>;
}

export interface Envelope<T = Record<string, unknown>> {
  status: number;
  error: { code: string; message: string; field: string };
  data: T;
}

/** Two nodes of one deployment: b shares a's database (b is closed first, then a drops it). */
export async function createTestNodes(dialect: DialectName, env: Record<string, string> = {}) {
  const a = await createTestApp(dialect, env);
  const b = await createTestApp(dialect, { ...env, PARLEY_DATABASE_URL: a.databaseUrl });
  return {
    a,
    b,
    close: async () => {
      await b.close();
      await a.close();
    },
  };
}
