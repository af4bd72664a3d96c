// One database phase: a fresh database (preloaded for the scale figures), a project made with the CLI,
// `parley serve` pinned to the server CPU, priming, then every selected scenario.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchDatabase, type Dialect, createBenchDatabase, preload, preloadedKey } from './databases.ts';
import { type Timing, measure } from './measure.ts';
import { PinnedProcess, freePort } from './processes.ts';
import { type Figure, RATIO_TARGET_IDS } from './report.ts';
import type { Scenario, ScenarioContext } from './scenarios.ts';
import { Client, PATHS, type Project, createProject, mintSessions } from './setup.ts';
import { REDIS_URL } from './chat-setup.ts';
import type { Wrk, WrkResult } from './wrk.ts';

/**
 * The per-key rate limit (default 60000/min) would cap every server-API figure at 1000 req/s. All load
 * comes from one address, so a few refused tokens (an exhausted pool) would otherwise block the address
 * for 5 minutes and turn every later scenario into 429s; refusals are still counted as errors.
 */
/**
 * Node's flags for Parley, read off `npm start` (deploy/parley@.service runs the same, as
 * test/node-flags.test.ts holds it to: an 8 MB young generation, the old one collected once it grew by
 * half, the collector on the main thread only: docs/configuration.md, Node's own flags), then
 * PARLEY_BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the servers (a flag
 * given again there wins).
 */
const PARLEY_NODE_FLAGS = nodeFlagsOf(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts.start);
export const parleyNodeArgs = (): string[] => [...PARLEY_NODE_FLAGS, ...(process.env.PARLEY_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];

/** The flags a `node … bin/parley.js …` command line gives Node: those between `node` and the script. */
export function nodeFlagsOf(command: string): string[] {
  const words = command.trim().split(/\s+/);
  const script = words.findIndex((w) => !w.startsWith('-') && w !== words[0]);
  return words.slice(1, script < 0 ? undefined : script);
}

/** PARLEY_BENCH_SERVER_ENV="NAME=value …": settings of Parley's own for one run, over the ones below (e.g. a rate limit on). */
const benchServerEnv = Object.fromEntries(
  (process.env.PARLEY_BENCH_SERVER_ENV ?? '')
    .split(' ')
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);

export const SERVER_ENV: Record<string, string> = {
  PARLEY_LOG_LEVEL: 'warn',
  PARLEY_RATE_LIMIT: '0',
  PARLEY_AUTH_FAILURES_PER_ADDRESS: '1000000',
  PARLEY_AUTH_FAILURES_PER_KEY: '1000000',
  // Thousands of connections and sockets from one address, and senders faster than any person: the
  // per-address and per-user limits would measure themselves, not the server.
  PARLEY_MAX_CONNECTIONS_PER_ADDRESS: '0',
  PARLEY_SOCKET_EVENT_RATE: '0',
  PARLEY_CLIENT_CALL_RATE: '0',
  ...benchServerEnv,
};
export const SERVER_CPU = 0;

export interface PhaseContext {
  root: string;
  tmpDir: string;
  wrk: Wrk;
  timing: Timing;
  rows: number;
  figures: Figure[];
  problems: string[];
  /** Databases not dropped yet (the runner drops them when interrupted). */
  open: Set<BenchDatabase>;
  /** Called once the server is primed, with the byte length of its ticket response. */
  onPrimed?(server: PinnedProcess, ticketResponseBytes: number, project: Project): Promise<void>;
  /** Called after each main-phase figure a ratio target reads: node:http's req/s measured right then, `server` stopped meanwhile. */
  besideHttp?(server: PinnedProcess, figure: Figure): Promise<number | undefined>;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const countLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .length.toLocaleString('en-US');

export async function runPhase(dialect: Dialect, kind: 'main' | 'scale', scenarios: readonly Scenario[], ctx: PhaseContext): Promise<void> {
  const { wrk, timing, tmpDir } = ctx;
  const { threads, connections } = wrk.settings;
  const started = Date.now();
  console.log(`\n== ${dialect}, ${kind === 'main' ? 'empty database' : `preloaded with ${ctx.rows.toLocaleString('en-US')} users and contacts`}`);
  const db = await createBenchDatabase(dialect, tmpDir, `${dialect}-${kind}`);
  ctx.open.add(db);
  let server: PinnedProcess | undefined;
  try {
    const project = await createProject(ctx.root, db.url);
    if (kind === 'scale') {
      const t = Date.now();
      await preload(db, project.projectID, ctx.rows);
      console.log(`  preloaded ${ctx.rows.toLocaleString('en-US')} users and ${ctx.rows.toLocaleString('en-US')} contacts in ${seconds(t)}`);
    }
    const port = await freePort();
    server = await PinnedProcess.start({
      name: `parley serve (${dialect})`,
      cpu: SERVER_CPU,
      cwd: ctx.root,
      command: 'node',
      args: [...parleyNodeArgs(), 'bin/parley.js', 'serve', '--port', String(port), '--database', db.url],
      // PostgreSQL as deployed: nodes share Redis, which keeps their caches of sessions and profiles
      // coherent (without it a PostgreSQL node caches neither). The SQLite process needs no broker.
      env: dialect === 'postgres' ? { ...SERVER_ENV, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_PREFIX: `parley-bench-${process.pid}-${kind}:` } : SERVER_ENV,
      port,
      readyPath: '/healthz',
    });
    const client = new Client(server.url, project);
    const sctx: ScenarioContext = {
      project,
      existing: kind === 'scale' ? preloadedKey(ctx.rows) : { xcUserID: '6', customerUserID: 'bench:update', phone: '6281100000001' },
      onetalk: { customerUserID: 'bench:onetalk', phone: '6281100000002' },
      accessToken: '',
      ticketPool: join(tmpDir, `${dialect}-${kind}-ticket-pool`),
      refreshPool: join(tmpDir, `${dialect}-${kind}-refresh-pool`),
      refreshPerThread: Math.ceil(connections / threads) + 4,
    };
    // Priming: the existing user and contacts, then what single-use scenarios start from.
    const { bytes } = await client.ticket(sctx.existing.xcUserID);
    await client.contact(PATHS.syncContact, sctx.existing.customerUserID, sctx.existing.phone);
    await client.contact(PATHS.onetalkTicket, sctx.onetalk.customerUserID, sctx.onetalk.phone);
    if (scenarios.some((s) => s.id === 'connect_check')) sctx.accessToken = (await client.redeem((await client.ticket('bench-connect')).ticket)).accessToken;
    if (scenarios.some((s) => s.id === 'token_refresh')) {
      await mintSessions(client, (timing.runs + 1) * threads * sctx.refreshPerThread, sctx.refreshPool);
    }
    console.log(`  server pid ${server.pid} on CPU ${SERVER_CPU}, primed in ${seconds(started)}`);
    await ctx.onPrimed?.(server, bytes, project);

    // Tickets issued by the ticket scenarios (ticket.lua writes <prefix>.<thread>) feed access_token/request:
    // those of the new-user scenario first (one login per user), then those of the single existing user.
    const captured = { distinct: [] as string[], same: [] as string[] };
    const collect = (prefix: string, list: string[]) => {
      for (let t = 0; t < threads; t++) if (existsSync(`${prefix}.${t}`)) list.push(`${prefix}.${t}`);
    };
    for (const scenario of scenarios) {
      if (server.exited !== null) {
        ctx.problems.push(`${dialect}/${scenario.id}: not run, the server had died (${server.exited})`);
        continue;
      }
      console.log(`  ${scenario.id}: ${scenario.title}`);
      const notes: string[] = [];
      let offset = 0;
      if (scenario.pool === 'tickets') {
        if (captured.distinct.length + captured.same.length === 0) {
          // Issuing a new user's ticket can be slower than redeeming one: twice the scenario's length.
          const mintSeconds = 2 * (timing.warmupSeconds + timing.runs * timing.runSeconds);
          console.log(`    minting tickets for new users for ${mintSeconds} s (no ticket scenario ran before)`);
          const prefix = join(tmpDir, `${dialect}-${kind}-mint`);
          await wrk.run(server.url, 'ticket', mintSeconds, { ...ticketArgs(project, sctx), mode: 'new', salt: 'm', capture: prefix });
          collect(prefix, captured.distinct);
          // Batched redemption can outrun the new users' minting (PostgreSQL): the existing user's tickets come after them.
          console.log(`    minting the existing user's tickets for ${mintSeconds / 2} s`);
          await wrk.run(server.url, 'ticket', mintSeconds / 2, { ...ticketArgs(project, sctx), capture: `${prefix}-same` });
          collect(`${prefix}-same`, captured.same);
        }
        const text = (files: string[]) => files.map((f) => readFileSync(f, 'utf8')).join('');
        const [distinct, same] = [text(captured.distinct), text(captured.same)];
        writeFileSync(sctx.ticketPool, distinct + same);
        notes.push(`ticket pool: ${countLines(distinct)} tickets of distinct new users, then ${countLines(same)} of the existing user`);
      }
      const capturePrefix = (i: number) => join(tmpDir, `${dialect}-${kind}-${scenario.id}-${i}`);
      const after = (result: WrkResult, i: number) => {
        if (scenario.captureTickets) collect(capturePrefix(i), scenario.id === 'ticket_new' ? captured.distinct : captured.same);
        if (scenario.pool === 'tickets') offset += threads * Math.max(...result.consumed);
      };
      try {
        const figure = await measure(
          { key: `${dialect}/${scenario.id}`, id: scenario.id, title: scenario.title, database: dialect, preloadedRows: kind === 'scale' ? ctx.rows : 0 },
          {
            wrk,
            timing,
            server,
            ...(db.file === undefined ? {} : { walPath: `${db.file}-wal` }),
            lua: scenario.lua,
            args: (i) => {
              const args: Record<string, string> = { ...scenario.args(sctx), salt: String(i) };
              if (scenario.captureTickets) args.capture = capturePrefix(i);
              if (scenario.pool === 'tickets') args.offset = String(offset);
              if (scenario.pool === 'refresh') args.offset = String(i * threads * sctx.refreshPerThread);
              return args;
            },
            after,
          },
        );
        if (scenario.pool === 'tickets') notes.push(`${offset.toLocaleString('en-US')} of them handed out (warm-up included)`);
        figure.notes.unshift(...notes);
        ctx.figures.push(figure);
      } catch (err) {
        ctx.problems.push(`${dialect}/${scenario.id}: ${(err as Error).message}`);
      }
      const figure = ctx.figures.at(-1);
      if (kind === 'main' && RATIO_TARGET_IDS.has(scenario.id) && figure?.key === `${dialect}/${scenario.id}`) {
        try {
          figure.besideHttpRps = await ctx.besideHttp?.(server, figure);
          if (figure.besideHttpRps !== undefined)
            figure.notes.push(`node:http measured right after it: ${Math.round(figure.besideHttpRps).toLocaleString('en-US')} req/s`);
        } catch (err) {
          ctx.problems.push(`${dialect}/${scenario.id}: node:http beside it: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    if (server !== undefined) {
      // A second for the requests wrk hung up on to finish before SIGTERM.
      await server.stop(1000);
      const logs = server.takeLogs();
      if (logs.length > 0) ctx.problems.push(`${dialect} ${kind} server logged ${logs.length} lines after its last scenario; first: ${logs[0]?.slice(0, 300)}`);
    }
    await db.drop();
    ctx.open.delete(db);
    console.log(`  (${dialect} ${kind} phase: ${seconds(started)})`);
  }
}

function ticketArgs(project: Project, sctx: ScenarioContext): Record<string, string> {
  return { key: project.serverKey.header, path: PATHS.ticket, mode: 'existing', xc: sctx.existing.xcUserID };
}
