// npm run bench [-- --quick] [-- --only ticket_existing,connect_check] [-- --db sqlite]
// Parley against a bare node:http server and a bare Fastify route, with wrk; see bench/README.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureBaseline, measureBaselines, startBaseline } from './baselines.ts';
import { CHAT_IDS, type ChatId, runChat } from './chat-phase.ts';
import { type ChatResults, chatErrors, chatNotes, chatSection, chatTargets } from './chat-report.ts';
import { REDIS_URL, redisProblem } from './chat-setup.ts';
import { type BenchDatabase, type Dialect, postgresProblem } from './databases.ts';
import { type Meta, renderMarkdown } from './markdown.ts';
import { type PhaseContext, SERVER_CPU, SERVER_ENV, parleyNodeArgs, runPhase } from './phase.ts';
import { type PinnedProcess, killAll, whilePaused } from './processes.ts';
import { type Baselines, type Figure, pooled, targets } from './report.ts';
import { SCENARIOS, SCENARIO_IDS, type ScenarioId } from './scenarios.ts';
import type { Project } from './setup.ts';
import { Wrk, checkTools, wrkVersion } from './wrk.ts';

const ROOT = resolve(import.meta.dirname, '..');
const GENERATOR_CPU = 1;
const IDS: readonly string[] = [...SCENARIO_IDS, ...CHAT_IDS];
const USAGE = `usage: npm run bench -- [--quick] [--only id[,id…]] [--db sqlite|postgres|both] [--no-build]
       [--duration s] [--warmup s] [--runs n] [--connections n] [--threads n] [--rows n]
       [--chat-pairs n] [--chat-window n] [--chat-rate msg/s] [--chat-rates a,b,…] [--idle-sockets n]
scenarios: ${IDS.join(', ')} (the chat ones run on SQLite only)`;

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string', multiple: true },
      db: { type: 'string' },
      'no-build': { type: 'boolean' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      runs: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      rows: { type: 'string' },
      'chat-pairs': { type: 'string' },
      'chat-window': { type: 'string' },
      'chat-rate': { type: 'string' },
      'chat-rates': { type: 'string' },
      'idle-sockets': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (v: string | undefined, fallback: number, min: number) => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`expected an integer ≥ ${min}, got "${v}"\n${USAGE}`);
    return n;
  };
  const quick = values.quick === true;
  const only = values.only?.flatMap((v) => v.split(',')).map((v) => v.trim());
  for (const id of only ?? []) if (!IDS.includes(id)) throw new Error(`unknown scenario "${id}"\n${USAGE}`);
  const selected = new Set<ScenarioId>(
    only === undefined ? SCENARIO_IDS : (only.filter((id) => (SCENARIO_IDS as readonly string[]).includes(id)) as ScenarioId[]),
  );
  const chat = new Set<ChatId>(only === undefined ? CHAT_IDS : (only.filter((id) => (CHAT_IDS as readonly string[]).includes(id)) as ChatId[]));
  // A preloaded figure is compared with its empty-database one, so that one runs too (and chat_webhook with chat_sqlite).
  for (const s of SCENARIOS) if (selected.has(s.id) && s.reference !== undefined) selected.add(s.reference);
  if (chat.has('chat_webhook')) chat.add('chat_sqlite');
  const db = values.db ?? 'both';
  if (!['sqlite', 'postgres', 'both'].includes(db)) throw new Error(`--db: sqlite, postgres or both\n${USAGE}`);
  // Two processes of 10,000: one process cannot hold 20,000 sockets (the hard open-files limit is 20,000).
  const rate = num(values['chat-rate'], 5000, 1);
  const rates = (values['chat-rates'] ?? '1000,5000,10000').split(',').map((r) => num(r, 0, 1));
  const idleTwo = num(values['idle-sockets'], quick ? 4000 : 20_000, 2);
  if (idleTwo > 34_000) throw new Error(`--idle-sockets: at most 34,000 (17,000 a process)\n${USAGE}`);
  return {
    quick,
    partial: only !== undefined || db !== 'both',
    selected,
    // Chat figures are SQLite figures (the two-process one shares a SQLite file); --db postgres leaves them out.
    chat: db === 'postgres' ? new Set<ChatId>() : chat,
    chatOptions: {
      pairs: num(values['chat-pairs'], 64, 1),
      window: num(values['chat-window'], 8, 1),
      rate,
      rates: [...new Set([...rates, rate])].sort((a, b) => a - b),
      idleTwo,
      idleOne: Math.min(idleTwo, 17_000),
    },
    dialects: (db === 'both' ? ['sqlite', 'postgres'] : [db]) as Dialect[],
    build: values['no-build'] !== true,
    timing: { warmupSeconds: num(values.warmup, quick ? 1 : 2, 1), runSeconds: num(values.duration, quick ? 2 : 5, 1), runs: num(values.runs, 3, 1) },
    connections: num(values.connections, 64, 1),
    threads: num(values.threads, 2, 1),
    rows: num(values.rows, quick ? 100_000 : 1_000_000, 2),
  };
}

const elapsed = (since: number) => {
  const s = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
};

async function main(): Promise<number> {
  const started = Date.now();
  let o: ReturnType<typeof options>;
  try {
    o = options();
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const problems = checkTools(o.selected.size > 0);
  if (o.dialects.includes('postgres') && o.selected.size > 0) {
    const pg = await postgresProblem();
    if (pg !== undefined) problems.push(pg);
  }
  if (o.chat.has('chat_redis') || o.dialects.includes('postgres')) {
    const redis = await redisProblem();
    if (redis !== undefined) problems.push(redis);
  }
  if (problems.length > 0) {
    console.error(`Cannot run the benchmark:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  // The runner shares the generator's CPU, so it never competes with the server it measures.
  execFileSync('taskset', ['-a', '-p', '-c', String(GENERATOR_CPU), String(process.pid)], { stdio: 'ignore' });
  if (o.build) {
    console.log('Building dist (npx tsc -p tsconfig.build.json)…');
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  }
  const pinning = `server processes (Parley, baselines) pinned to CPU ${SERVER_CPU}; wrk and this runner pinned to CPU ${GENERATOR_CPU} (taskset); PostgreSQL's backends are not pinned; the PostgreSQL server runs with Redis (${REDIS_URL}) as a deployment of several nodes does, and redis-server is not pinned either`;
  const settings = `${o.timing.warmupSeconds} s warm-up, then ${o.timing.runs} runs of ${o.timing.runSeconds} s; wrk -t${o.threads} -c${o.connections}`;
  console.log(`Pinning: ${pinning}.\nEach figure: ${settings}; median (min–max).`);

  const tmpDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const wrk = new Wrk(tmpDir, { threads: o.threads, connections: o.connections, cpu: GENERATOR_CPU });
  const figures: Figure[] = [];
  const runProblems: string[] = [];
  const open = new Set<BenchDatabase>();
  let baselines: Baselines = { http: undefined, fastify: undefined };
  let envelopeBytes = 0;
  let baselineProject: Project | undefined;
  const loadStart = loadavg();
  const interrupted = async () => {
    killAll();
    await Promise.allSettled([...open].map((db) => db.drop()));
    rmSync(tmpDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());

  // Measured once, while the first primed Parley server is stopped; they answer as many bytes as its ticket response.
  const onPrimed = async (parley: PinnedProcess, bytes: number, project: Project) => {
    if (baselines.http !== undefined) return;
    envelopeBytes = bytes;
    baselineProject = project;
    baselines = await measureBaselines({ root: ROOT, wrk, timing: o.timing, parley, bytes, project });
  };

  // node:http again right after each figure a ratio target reads, on the machine as it is then (one
  // short run, Parley stopped): a ratio to it survives the drift that the start and end baselines show.
  let besideServer: PinnedProcess | undefined;
  const besideHttp = async (parley: PinnedProcess, figure: Figure): Promise<number | undefined> => {
    if (baselineProject === undefined) return undefined;
    besideServer ??= await startBaseline(ROOT, 'http', envelopeBytes);
    console.log('    node:http beside it');
    const [server, project] = [besideServer, baselineProject];
    const timing = { warmupSeconds: 1, runs: 1, runSeconds: o.timing.runSeconds };
    return (await whilePaused([parley], () => measureBaseline('http', server, { wrk, timing, project }, `${figure.key}/beside`))).rps.median;
  };

  let chat: ChatResults = { settings: [], throughput: [], rate: [], idle: [], webhooks: [] };
  try {
    for (const dialect of o.selected.size > 0 ? o.dialects : []) {
      const ctx: PhaseContext = { root: ROOT, tmpDir, wrk, timing: o.timing, rows: o.rows, figures, problems: runProblems, open, onPrimed, besideHttp };
      await runPhase(
        dialect,
        'main',
        SCENARIOS.filter((s) => !s.scale && o.selected.has(s.id)),
        ctx,
      );
      const scale = SCENARIOS.filter((s) => s.scale && o.selected.has(s.id));
      if (scale.length > 0) await runPhase(dialect, 'scale', scale, ctx);
    }
    await besideServer?.stop();
    if (o.chat.size > 0) {
      chat = await runChat(o.chat, { root: ROOT, tmpDir, generatorCpu: GENERATOR_CPU, timing: o.timing, options: o.chatOptions, problems: runProblems, open });
    }
    // Again at the end: the machine's other load drifts over a run, and this shows how much.
    if (baselines.http !== undefined && baselines.fastify !== undefined) {
      console.log('\n== baselines again');
      const end = await measureBaselines({ root: ROOT, wrk, timing: o.timing, bytes: envelopeBytes, project: baselineProject as Project });
      if (end.http !== undefined) baselines.http = pooled(baselines.http, end.http);
      if (end.fastify !== undefined) baselines.fastify = pooled(baselines.fastify, end.fastify);
    }
  } finally {
    killAll();
    rmSync(tmpDir, { recursive: true, force: true });
  }

  const ordered = [baselines.http, baselines.fastify, ...figures].filter((f) => f !== undefined);
  const targetList = [...(o.selected.size > 0 ? targets(ordered, baselines) : []), ...(o.chat.size > 0 ? chatTargets(chat, o.chat) : [])];
  const took = elapsed(started);
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--', 'src']) !== '' ? ' (src/ modified)' : '';
  const meta: Meta = {
    date: new Date().toISOString(),
    took,
    mode: o.quick ? 'quick' : o.partial ? 'partial' : 'full',
    commit: `${commit}${dirty}`,
    node: process.version,
    wrk: o.selected.size > 0 ? wrkVersion() : 'no wrk (chat only)',
    cpu: `${cpus()[0]?.model ?? 'unknown'} ×${cpus().length}`,
    pinning,
    settings,
    server: `node ${parleyNodeArgs().join(' ')} bin/parley.js serve (dist), ${Object.entries(SERVER_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}; other settings default`,
    baselines: `node:http and a Fastify route in their own processes, parsing the ticket scenario's JSON body and answering ${envelopeBytes} bytes (Parley's ticket response)`,
    preloadedRows: o.rows,
    loadAverage: {
      start: loadStart.map((l) => l.toFixed(2)).join(' '),
      end: loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    },
  };
  const md = renderMarkdown(
    meta,
    ordered,
    baselines,
    targetList,
    runProblems,
    o.chat.size > 0 ? { section: chatSection(chat), notes: chatNotes(chat) } : undefined,
  );
  console.log(`\n${md}`);

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${meta.date.slice(0, 10)}${meta.mode === 'full' ? '' : `-${meta.mode}`}`);
  writeAtomically(`${base}.md`, md);
  // Two decimals are plenty and keep the committed file's diffs readable.
  const round = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v);
  writeAtomically(`${base}.json`, `${JSON.stringify({ meta, figures: ordered, chat, targets: targetList, problems: runProblems }, round, 2)}\n`);
  console.log(`Wrote ${base}.md and ${base}.json`);
  const failed = runProblems.length > 0 || ordered.some((f) => f.errors > 0) || chatErrors(chat) > 0;
  return failed ? 1 : 0;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

process.exitCode = await main();
