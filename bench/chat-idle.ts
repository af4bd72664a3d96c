// Idle sockets: server memory per idle authenticated socket, for the bare ws relay, one Parley process
// and two Parley processes of one deployment, from VmRSS in /proc (no GC is forced). The client sockets
// are held by generator processes of ≤ SOCKETS_PER_GENERATOR each: the hard open-files limit is 20,000
// a process, of which Parley's default connection cap (PARLEY_MAX_CONNECTIONS) leaves 18,000 for
// connections, so one Parley process holds 17,000 (past the cap new connections are refused).
import { readFileSync } from 'node:fs';
import { type Generator, generator } from './chat-generator.ts';
import type { LoadLine, LoadSpec } from './chat-load.ts';
import type { ChatContext, Deployment } from './chat-phase.ts';
import type { IdleFigure } from './chat-report.ts';
import { loginUsers, socketUrl, startParley, startRelay } from './chat-setup.ts';
import type { PinnedProcess } from './processes.ts';

export const SOCKETS_PER_GENERATOR = 5000;
/** Upgrades in flight per generator: four generators stay below Node's default listen backlog (511). */
const CONNECT_CONCURRENCY = 64;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process's RSS once it stopped moving (five samples 500 ms apart within 0.5%), or after `maxMs`. */
async function settledRssKb(pid: number, maxMs = 10_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  const samples = [rssKb(pid)];
  for (;;) {
    await sleep(500);
    samples.push(rssKb(pid));
    const last = samples.slice(-5);
    if (last.length === 5 && Math.max(...last) - Math.min(...last) <= 0.005 * Math.max(...last)) return last.at(-1) as number;
    if (Date.now() > deadline) return samples.at(-1) as number;
  }
}

type OpenReport = Extract<LoadLine, { type: 'open' }>;

/** Sockets held by generator processes of ≤ SOCKETS_PER_GENERATOR each, opened in stages. */
interface Held {
  /** Waits until every generator reports its current stage. */
  stage(): Promise<{ opened: number; failed: number; firstError: string | null }>;
  /** Asks every generator to open its next stage. */
  next(): void;
  close(): Promise<void>;
}

/** Opens `perServer[i]` (the URLs of server i); `halves`: the first half of each generator's share first, the rest on next(). */
function holdSockets(ctx: ChatContext, perServer: string[][], name: string, halves: boolean): Held {
  const gens: Array<Generator & { reports: OpenReport[]; wake: () => void; stages: number[] }> = [];
  for (const urls of perServer) {
    for (let from = 0; from < urls.length; from += SOCKETS_PER_GENERATOR) {
      const slice = urls.slice(from, from + SOCKETS_PER_GENERATOR);
      const half = Math.floor(slice.length / 2);
      const stages = halves ? [half, slice.length - half] : [slice.length];
      const spec: LoadSpec = {
        mode: 'idle',
        pairs: [],
        window: 0,
        rate: 0,
        warmupSeconds: 0,
        runSeconds: 0,
        runs: 0,
        serverPids: [],
        urls: slice,
        stages,
        connectConcurrency: CONNECT_CONCURRENCY,
      };
      const reports: OpenReport[] = [];
      const gen = generator(ctx, spec, `${name}-${gens.length}`, (line) => {
        if (line.type === 'open') reports.push(line);
        if (line.type === 'failed') reports.push({ type: 'open', opened: 0, failed: slice.length, firstError: line.message });
        entry.wake();
      });
      const entry = { ...gen, reports, stages, wake: () => {} };
      void gen.done.then(() => entry.wake());
      gens.push(entry);
    }
  }
  let stage = 0;
  const reportOf = async (g: (typeof gens)[number], i: number): Promise<OpenReport> => {
    for (;;) {
      const report = g.reports[i];
      if (report !== undefined) return report;
      if (g.child.exitCode !== null || g.child.signalCode !== null)
        return { type: 'open', opened: 0, failed: g.stages[i] ?? 0, firstError: 'the generator exited' };
      await new Promise<void>((resolve) => (g.wake = resolve));
    }
  };
  return {
    async stage() {
      const all = await Promise.all(gens.map((g) => reportOf(g, stage)));
      return {
        opened: all.reduce((n, r) => n + r.opened, 0),
        failed: all.reduce((n, r) => n + r.failed, 0),
        firstError: all.find((r) => r.firstError !== null)?.firstError ?? null,
      };
    },
    next() {
      stage++;
      for (const g of gens) g.child.stdin?.write('next\n');
    },
    async close() {
      for (const g of gens) g.child.kill('SIGTERM');
      await Promise.all(gens.map((g) => g.done));
    },
  };
}

/**
 * Memory per idle socket of each server. RSS is read once it stopped moving: after a warm-up round
 * (sockets opened and closed, so the upgrade path is compiled and the heap has grown to a running
 * server's), after half of the sockets, and after all. The figure is (after − before) / sockets; the
 * second half alone gives the marginal cost, a check on heap growth that is not the sockets'.
 */
async function idleFigure(ctx: ChatContext, key: string, title: string, parley: boolean, servers: PinnedProcess[], perServer: string[][]): Promise<IdleFigure> {
  console.log(`  ${key}: ${perServer.map((u) => u.length.toLocaleString('en-US')).join(' + ')} sockets`);
  const tag = key.replace(/\W+/g, '-');
  const warm = holdSockets(
    ctx,
    perServer.map((urls) => urls.slice(0, Math.min(1000, Math.ceil(urls.length / 20)))),
    `${tag}-warm`,
    false,
  );
  await warm.stage();
  await warm.close();
  const before = await Promise.all(servers.map((s) => settledRssKb(s.pid)));
  const t0 = Date.now();
  const held = holdSockets(ctx, perServer, tag, true);
  try {
    const first = await held.stage();
    let connectMs = Date.now() - t0;
    const mid = await Promise.all(servers.map((s) => settledRssKb(s.pid)));
    const t1 = Date.now();
    held.next();
    const second = await held.stage();
    connectMs += Date.now() - t1;
    const after = await Promise.all(servers.map((s) => settledRssKb(s.pid)));
    const failed = first.failed + second.failed;
    const notes: string[] = [];
    if (failed > 0) notes.push(`${failed} sockets failed to open; first: ${first.firstError ?? second.firstError}`);
    for (const s of servers) if (s.exited !== null) notes.push(`${s.name} died (${s.exited})`);
    const figure: IdleFigure = {
      key,
      title,
      parley,
      processes: servers.map((_, i) => {
        const n = perServer[i]?.length ?? 1;
        const [b, m, a] = [before[i] ?? 0, mid[i] ?? 0, after[i] ?? 0];
        return { sockets: n, rssBeforeMb: b / 1024, rssAfterMb: a / 1024, perSocketKb: (a - b) / n, marginalKb: (a - m) / (n - Math.floor(n / 2)) };
      }),
      failed,
      connectSeconds: connectMs / 1000,
      notes,
    };
    const line = figure.processes.map(
      (p) => `${p.perSocketKb.toFixed(2)} KB/socket, second half ${p.marginalKb.toFixed(2)} (${p.rssBeforeMb.toFixed(0)} → ${p.rssAfterMb.toFixed(0)} MB)`,
    );
    console.log(`    ${line.join('; ')}; opened in ${figure.connectSeconds.toFixed(1)} s${failed > 0 ? `; ${failed} FAILED` : ''}`);
    return figure;
  } finally {
    await held.close();
  }
}

export async function idleSockets(ctx: ChatContext, out: IdleFigure[], deployment: Deployment): Promise<void> {
  const o = ctx.options;
  const users = Math.max(o.idleOne, o.idleTwo);
  await deployment('idle sockets', 1, async ([login], client, project, db) => {
    const t0 = Date.now();
    const logged = await loginUsers(client, users, 'idle');
    console.log(`  ${users.toLocaleString('en-US')} users logged in in ${seconds(t0)}`);
    // Each figure starts from a fresh process: the one that served the logins carries their garbage.
    await login?.stop(500);
    const urls = (base: string, from: number, n: number) => logged.slice(from, from + n).map((u) => socketUrl(base, project.appKey.header, u.accessToken));

    // The bare relay first: what an idle `ws` socket costs by itself.
    const relay = await startRelay(ctx.root, 0);
    try {
      const fake = Array.from({ length: o.idleOne }, (_, i) => socketUrl(relay.url, project.appKey.header, String(i + 1)));
      out.push(await idleFigure(ctx, 'chat/idle/ws_relay', 'baseline: bare ws relay', false, [relay], [fake]));
    } finally {
      await relay.stop();
    }

    for (const processes of [1, 2]) {
      // Two processes: one deployment joined by Redis, on the same database (the users' tokens stay valid).
      const servers = await startParley(ctx.root, db, processes, `idle sockets, ${processes} process${processes > 1 ? 'es' : ''}`);
      try {
        const share = processes === 1 ? o.idleOne : Math.floor(o.idleTwo / 2);
        const perServer = servers.map((s, i) => urls(s.url, i * share, share));
        const title = processes === 1 ? 'Parley, one process' : 'Parley, two processes (Redis)';
        out.push(await idleFigure(ctx, `chat/idle/${processes === 1 ? 'one' : 'two'}`, title, true, servers, perServer));
      } finally {
        await Promise.all(servers.map((s) => s.stop(500)));
        for (const s of servers) {
          const logs = s.takeLogs();
          if (logs.length > 0) ctx.problems.push(`chat ${s.name} logged ${logs.length} lines; first: ${logs[0]?.slice(0, 300)}`);
        }
      }
    }
  });
}
