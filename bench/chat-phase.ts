// The chat part: the bare ws relay, Parley on SQLite (one process), two Parley processes joined by Redis
// on one SQLite file, and idle sockets. Servers run pinned to the server CPU; bench/chat-load.ts drives
// them from the generator CPU. Each Parley deployment gets a fresh database.
import { generator } from './chat-generator.ts';
import { SOCKETS_PER_GENERATOR, idleSockets } from './chat-idle.ts';
import type { LoadRun, LoadSpec, PairSpec } from './chat-load.ts';
import { type ChatFigure, type ChatLabel, type ChatResults, type ChatRun, chatRun, pooledChat, summarizeChat } from './chat-report.ts';
import { REDIS_URL, baselinePairs, loginUsers, parleyPairs, prime, startParley, startRelay } from './chat-setup.ts';
import { type BenchDatabase, createBenchDatabase } from './databases.ts';
import type { Timing } from './measure.ts';
import { SERVER_CPU } from './phase.ts';
import { PeakSampler, type PinnedProcess, cpuSeconds, whilePaused } from './processes.ts';
import { Client, type Project, createProject } from './setup.ts';
import { KEEPUP, webhookDeployment } from './chat-webhook.ts';

export const CHAT_IDS = ['chat_sqlite', 'chat_redis', 'chat_webhook', 'chat_idle_sockets'] as const;
export type ChatId = (typeof CHAT_IDS)[number];

export interface ChatOptions {
  pairs: number;
  window: number;
  /** The fixed rate every Parley deployment and the relay are measured at. */
  rate: number;
  /** chat_sqlite's fixed rates (`rate` among them), ascending. */
  rates: number[];
  /** Sockets of the two-process idle figure (half on each); the one-process figure holds `idleOne`. */
  idleTwo: number;
  idleOne: number;
}

export type Deployment = (
  label: string,
  processes: number,
  work: (servers: PinnedProcess[], client: Client, project: Project, db: BenchDatabase) => Promise<void>,
  /** More environment for the servers. */
  env?: Record<string, string>,
) => Promise<void>;

/** Follows one load (chat_webhook): told when the generator's sockets are open and as each window ends. */
export interface LoadWatch {
  ready(): void;
  /** `last`: the load stops now. */
  run(run: LoadRun, last: boolean): void;
  /** After the generator exited, before waiting for the servers to go idle; returns notes for the figure. */
  finished(): Promise<string[]>;
}

export interface ChatContext {
  root: string;
  tmpDir: string;
  generatorCpu: number;
  timing: Timing;
  options: ChatOptions;
  problems: string[];
  open: Set<BenchDatabase>;
}

const TITLES = {
  chat_sqlite: 'Parley, SQLite, one process',
  chat_redis: 'Parley, SQLite file shared by two processes, through Redis',
  chat_webhook: 'Parley, SQLite, one process, a webhook subscribed',
};

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChat(selected: ReadonlySet<ChatId>, ctx: ChatContext): Promise<ChatResults> {
  const o = ctx.options;
  const t = ctx.timing;
  const results: ChatResults = {
    settings: [
      `Load: bench/chat-load.ts, one Node process pinned to CPU ${ctx.generatorCpu}, ${o.pairs} pairs of users (a sender socket and a recipient socket each). ` +
        `A message is complete when both echoes arrived: the sender's own chat/sendMessage event and the recipient's copy.`,
      `As fast as it goes: each sender keeps ${o.window} messages in flight (${o.pairs * o.window} in all); latency from sending to the second echo. ` +
        `Fixed rate: ${o.rate.toLocaleString('en-US')} msg/s (Parley on SQLite also at ${o.rates.map((r) => r.toLocaleString('en-US')).join(', ')}) spread round-robin over the senders, open loop, latency from when each message was due.`,
      `Each figure: ${t.warmupSeconds} s warm-up, then ${t.runs} runs of ${t.runSeconds} s; median (min–max). CPU %: the server processes (summed) and the generator.`,
      'ws relay: bench/ws-baseline-server.ts, a bare `ws` server with the same URLs and frames: it parses each text frame, adds a messageID and answers one binary frame ' +
        "as long as Parley's echo to the sender and to the other user of the room (no auth, no storage).",
      `Two processes: two \`parley serve\` on one SQLite file (the storage of the one-process figure, so what differs is the Redis hop), both pinned to CPU ${SERVER_CPU}, ` +
        `joined by Redis (${REDIS_URL}); senders on process 1, recipients on process 2. CPU % and per CPU-second count both processes; redis-server is not pinned and not counted.`,
      'Idle sockets: each Parley socket a distinct user with its own access token; every figure in a fresh server process. VmRSS from /proc, read once it stopped moving, ' +
        'after a warm-up round of sockets opened and closed, after half of the sockets and after all: KB per socket = (after − before) / sockets, ' +
        `and the second half alone as a check (the heap's own growth is in both; no GC is forced). Client sockets come from generator processes of ≤ ${SOCKETS_PER_GENERATOR.toLocaleString('en-US')} sockets each ` +
        "(the hard open-files limit is 20,000 a process, and Parley's default connection cap leaves 18,000 of them to connections: hence 17,000 sockets for one process and 2 × 10,000 for 20,000).",
    ],
    throughput: [],
    rate: [],
    idle: [],
    webhooks: [],
  };
  let relayStart: ChatFigure | undefined;
  let relayPairs: PairSpec[] = [];
  let echoBytes = 0;

  /** Measured once, while the first primed Parley deployment is stopped (SIGSTOP). */
  const relayOnce = async (parley: PinnedProcess[], pairs: PairSpec[], bytes: number) => {
    if (relayStart !== undefined) return;
    echoBytes = bytes;
    relayPairs = pairs;
    const [max, fixed] = await whilePaused(parley, () => measureRelay(ctx, pairs, bytes, true));
    relayStart = max;
    if (fixed !== undefined) results.rate.push(fixed);
  };

  const deployment: Deployment = async (label, processes, work, env) => {
    const started = Date.now();
    console.log(`\n== chat: ${label}`);
    const db = await createBenchDatabase('sqlite', ctx.tmpDir, `chat-${label.replace(/\W+/g, '-')}`);
    ctx.open.add(db);
    let servers: PinnedProcess[] = [];
    try {
      const project = await createProject(ctx.root, db.url);
      servers = await startParley(ctx.root, db, processes, label, env);
      console.log(`  server pid${servers.length > 1 ? 's' : ''} ${servers.map((s) => s.pid).join(', ')} on CPU ${SERVER_CPU}`);
      await work(servers, new Client(servers[0]?.url as string, project), project, db);
    } catch (err) {
      ctx.problems.push(`chat ${label}: ${(err as Error).message}`);
    } finally {
      await Promise.all(servers.map((s) => s.stop(500)));
      for (const s of servers) {
        const logs = s.takeLogs();
        if (logs.length > 0) ctx.problems.push(`chat ${s.name} logged ${logs.length} lines; first: ${logs[0]?.slice(0, 300)}`);
      }
      await db.drop();
      ctx.open.delete(db);
      console.log(`  (chat ${label}: ${seconds(started)})`);
    }
  };

  const messaging = async (
    id: 'chat_sqlite' | 'chat_redis' | 'chat_webhook',
    servers: PinnedProcess[],
    client: Client,
    project: Project,
    watch?: (key: string) => LoadWatch,
  ) => {
    const t0 = Date.now();
    const users = await loginUsers(client, 2 * o.pairs, id);
    const [first, second] = [servers[0] as PinnedProcess, (servers[1] ?? servers[0]) as PinnedProcess];
    const pairs = parleyPairs(users, project.appKey.header, first.url, second.url);
    const bytes = await prime(pairs);
    console.log(
      `  ${users.length} users logged in, ${pairs.length} rooms primed in ${seconds(t0)}; echo ${bytes.senderBytes} bytes, recipient's copy ${bytes.recipientBytes}`,
    );
    await relayOnce(servers, pairs, bytes.senderBytes);
    const base = { id, title: TITLES[id], processes: servers.length };
    const [max, rate] = [`chat/${id}/max`, `chat/${id}/rate`];
    results.throughput.push(await measureLoad(ctx, servers, pairs, { ...base, key: max, mode: 'throughput', targetRate: null }, watch?.(max)));
    for (const r of id === 'chat_sqlite' ? o.rates : [o.rate]) {
      const key = r === o.rate ? rate : `${rate}-${r}`;
      results.rate.push(await measureLoad(ctx, servers, pairs, { ...base, key, mode: 'rate', targetRate: r }, watch?.(key)));
    }
    const floor = FLOORS[id];
    if (floor !== undefined) {
      try {
        const [floorMax, floorRate] = await whilePaused(servers, () =>
          measureRelay(ctx, pairs, bytes.senderBytes, true, { ...floor, file: `${ctx.tmpDir}/chat-floor-${Date.now()}.sqlite` }),
        );
        if (floorMax !== undefined) results.throughput.push(floorMax);
        if (floorRate !== undefined) results.rate.push(floorRate);
      } catch (err) {
        ctx.problems.push(`chat ${floor.title}: ${(err as Error).message}`);
      }
    }
    return pairs;
  };

  if (selected.has('chat_sqlite'))
    await deployment('SQLite, one process', 1, async (servers, client, project) => {
      await messaging('chat_sqlite', servers, client, project);
    });
  if (selected.has('chat_redis'))
    await deployment('SQLite file, two processes, Redis', 2, async (servers, client, project) => {
      await messaging('chat_redis', servers, client, project);
    });

  if (selected.has('chat_webhook'))
    await webhookDeployment(
      ctx,
      results.webhooks,
      deployment,
      (servers, client, project, watch) => messaging('chat_webhook', servers, client, project, watch),
      async (servers, pairs, watch) => {
        const label = {
          id: 'chat_webhook',
          title: TITLES.chat_webhook,
          processes: 1,
          key: 'chat/chat_webhook/keepup',
          mode: 'rate',
          targetRate: KEEPUP.rate,
        } as const;
        results.rate.push(await measureLoad(ctx, servers, pairs, label, watch, KEEPUP.timing));
      },
    );

  if (selected.has('chat_idle_sockets')) {
    await idleSockets(ctx, results.idle, deployment);
  }

  if (relayStart !== undefined) {
    console.log('\n== chat: ws relay again');
    try {
      const [end] = await measureRelay(ctx, relayPairs, echoBytes, false);
      results.throughput.unshift(end === undefined ? relayStart : pooledChat(relayStart, end));
    } catch (err) {
      ctx.problems.push(`chat ws relay (end): ${(err as Error).message}`);
      results.throughput.unshift(relayStart);
    }
  }
  return results;
}

interface Floor {
  id: 'ws_floor' | 'ws_floor_redis';
  title: string;
  processes: 1 | 2;
}

/** The floors measured after a chat figure (bench/ws-store.ts): the relay storing each message as Parley does. */
const FLOORS: Partial<Record<string, Floor>> = {
  chat_sqlite: { id: 'ws_floor', title: "floor: the ws relay storing each message (Parley's two statements, group commit)", processes: 1 },
  chat_redis: {
    id: 'ws_floor_redis',
    title: 'floor through Redis: two ws relays joined by Redis, the first storing each message; senders on it, recipients on the second',
    processes: 2,
  },
};

/** The bare ws relay, or with `floor` the chat's floor in a SQLite file (its relays, each pinned as Parley's processes are). */
async function measureRelay(
  ctx: ChatContext,
  parleyPairsList: PairSpec[],
  bytes: number,
  withRate: boolean,
  floor?: Floor & { file: string },
): Promise<[ChatFigure | undefined, ChatFigure | undefined]> {
  console.log(`  ${floor?.title ?? 'ws relay'} (answers ${bytes} bytes)`);
  const env: Record<string, string> =
    floor?.processes === 2 ? { PARLEY_BENCH_RELAY_REDIS: REDIS_URL, PARLEY_BENCH_RELAY_CHANNEL: `parley-bench-relay-${process.pid}-${Date.now()}` } : {};
  const servers: PinnedProcess[] = [];
  try {
    servers.push(await startRelay(ctx.root, bytes, floor?.file, env));
    if (floor?.processes === 2) servers.push(await startRelay(ctx.root, bytes, '-', env));
    const [first, last] = [servers[0] as PinnedProcess, servers.at(-1) as PinnedProcess];
    const appKey = new URL(parleyPairsList[0]?.sender ?? 'ws://x/?app_key=x').searchParams.get('app_key') || 'bench';
    const pairs = baselinePairs(parleyPairsList, appKey, first.url, last.url);
    const base =
      floor === undefined
        ? { id: 'ws_relay' as const, title: 'baseline: bare ws relay', processes: 1 }
        : { id: floor.id, title: floor.title, processes: floor.processes };
    const max = await measureLoad(ctx, servers, pairs, { ...base, key: `chat/${base.id}/max`, mode: 'throughput', targetRate: null });
    const fixed = withRate
      ? await measureLoad(ctx, servers, pairs, { ...base, key: `chat/${base.id}/rate`, mode: 'rate', targetRate: ctx.options.rate })
      : undefined;
    return [max, fixed];
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

const fmt = (r: ChatRun, label: ChatLabel) =>
  `${Math.round(r.mps).toLocaleString('en-US').padStart(7)} msg/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  p999 ${r.p999Ms.toFixed(2)} ms` +
  `  CPU server ${r.serverCpuPct.toFixed(0)}% gen ${r.generatorCpuPct.toFixed(0)}%` +
  (label.mode === 'rate' && r.skipped > 0 ? `  not sent ${r.skipped}` : '') +
  (r.errors > 0 ? `  ERRORS ${r.errors}` : '');

async function measureLoad(
  ctx: ChatContext,
  servers: PinnedProcess[],
  pairs: PairSpec[],
  label: ChatLabel,
  watch?: LoadWatch,
  t: Timing = ctx.timing,
): Promise<ChatFigure> {
  console.log(
    `  ${label.key}: ${label.mode === 'rate' ? `${(label.targetRate ?? 0).toLocaleString('en-US')} msg/s` : `window ${ctx.options.window} per sender`}`,
  );
  const spec: LoadSpec = {
    mode: label.mode,
    pairs,
    window: ctx.options.window,
    rate: label.targetRate ?? 0,
    warmupSeconds: t.warmupSeconds,
    runSeconds: t.runSeconds,
    runs: t.runs,
    serverPids: servers.map((s) => s.pid),
    urls: [],
    stages: [],
    connectConcurrency: 0,
  };
  const samplers = servers.map((s) => new PeakSampler(s.pid, undefined));
  for (const s of servers) s.takeLogs();
  const runs: LoadRun[] = [];
  let failure: string | undefined;
  for (const s of samplers) s.start();
  const gen = generator(ctx, spec, label.key.replace(/\W+/g, '-'), (line) => {
    if (line.type === 'ready') watch?.ready();
    if (line.type === 'run') {
      watch?.run(line.run, line.run.index === t.runs);
      runs.push(line.run);
      console.log(`    ${line.run.index === 0 ? 'warm-up' : `run ${line.run.index}/${t.runs}`.padEnd(7)}  ${fmt(chatRun(line.run), label)}`);
    } else if (line.type === 'failed') failure = line.message;
  });
  const code = await gen.done;
  const rssPeakMb = Math.max(...samplers.map((s) => s.stop().rssMb));
  const notes: string[] = watch === undefined ? [] : await watch.finished();
  // What the server still has queued would run into the next figure (or into its shutdown).
  const drained = await quiet(servers.map((s) => s.pid));
  if (!drained) notes.push('the server was still busy 30 s after the generator stopped');
  for (const s of servers) {
    const logs = s.takeLogs();
    if (logs.length > 0) notes.push(`${s.name} logged ${logs.length} lines at warn or above; first: ${logs[0]?.slice(0, 300)}`);
    if (s.exited !== null) notes.push(`${s.name} died (${s.exited})`);
  }
  const [warmup, ...measured] = runs.map(chatRun);
  if (warmup === undefined || measured.length === 0)
    throw new Error(`${label.key}: no measured run (generator exit ${code}${failure ? `: ${failure}` : ''}). ${notes.join('; ')}`);
  if (failure !== undefined) notes.push(`the generator stopped: ${failure}`);
  const sample = runs.find((r) => r.errorSample !== null)?.errorSample;
  if (sample) notes.push(`first error: ${sample}`);
  if (warmup.errors > 0) notes.push(`warm-up: ${warmup.errors} errors`);
  return summarizeChat(label, warmup, measured, rssPeakMb, notes);
}

/** Waits until the processes use under 5% of a CPU (over 250 ms), at most `maxMs`; false when they never did. */
async function quiet(pids: number[], maxMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  const used = () => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  while (Date.now() < deadline) {
    const before = used();
    await sleep(250);
    if (used() - before < 0.0125) return true;
  }
  return false;
}
