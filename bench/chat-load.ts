// The chat load generator, one process pinned to the generator CPU:
//   node --import tsx bench/chat-load.ts <spec.json>
// `throughput`: every sender keeps `window` messages in flight; `rate`: `rate` messages/s in all, spread
// round-robin over the senders, latency counted from when each message was due (no coordinated
// omission); `idle`: opens the given sockets and holds them until SIGTERM. A message is complete when
// both echoes arrived: the sender's own and the recipient's copy. Results are JSON lines on stdout.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { encryptContent } from '../src/chat/cipher.ts';
import { cpuSeconds } from './processes.ts';

export interface PairSpec {
  sender: string;
  recipient: string;
  /** The chat/sendMessage data without localID and body (the generator adds those). */
  message: Record<string, unknown>;
}

export interface LoadSpec {
  mode: 'throughput' | 'rate' | 'idle';
  pairs: PairSpec[];
  window: number;
  rate: number;
  warmupSeconds: number;
  runSeconds: number;
  runs: number;
  /** Processes whose CPU time each run reports (the servers). */
  serverPids: number[];
  /** idle: the sockets to open and hold. */
  urls: string[];
  /** idle: how many of `urls` to open at each stage; each stage after the first waits for a line on stdin. */
  stages: number[];
  connectConcurrency: number;
}

/** One measured window (index 0 is the warm-up). */
export interface LoadRun {
  index: number;
  seconds: number;
  sent: number;
  completed: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  errors: number;
  errorSample: string | null;
  /** rate: messages not sent because too many were still outstanding. */
  skipped: number;
  serverCpuSeconds: number;
  /** The same, per server process, in the order of the spec's pids. */
  serverCpuSecondsEach: number[];
  generatorCpuSeconds: number;
}

export type LoadLine =
  | { type: 'ready'; sockets: number }
  | { type: 'run'; run: LoadRun }
  | { type: 'open'; opened: number; failed: number; firstError: string | null }
  | { type: 'failed'; message: string };

const TEXT = 'Hello from the bench'; // 20 chars: the cipher's salt char is localID[20], inside the fixed part
const ERROR_PREFIX = Buffer.from('{"eventName":"error"');
const STALL_MS = 10_000;

const say = (line: LoadLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
// A zero masking key: ws skips the XOR, which keeps the generator's CPU for sending and receiving.
const zeroMask = (mask: Buffer) => mask.fill(0);

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, generateMask: zeroMask });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(new Error(`upgrade refused: ${res.statusCode} ${body.slice(0, 200)}`)));
    });
    ws.once('error', reject);
  });
}

/** Runs `work` for 0..n-1 with `concurrency` at a time. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function idle(spec: LoadSpec): Promise<void> {
  const sockets: WebSocket[] = [];
  const input = createInterface({ input: process.stdin });
  const lines = input[Symbol.asyncIterator]();
  // Held until SIGTERM or the end of stdin.
  const end = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    input.once('close', () => resolve());
  });
  let from = 0;
  for (const [stage, count] of spec.stages.entries()) {
    if (stage > 0 && (await Promise.race([lines.next(), end.then(() => ({ done: true }))])).done) break;
    let failed = 0;
    let firstError: string | null = null;
    const urls = spec.urls.slice(from, from + count);
    from += count;
    await pool(urls.length, spec.connectConcurrency, async (i) => {
      try {
        const ws = await open(urls[i] as string);
        ws.on('error', () => {});
        sockets.push(ws);
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    });
    say({ type: 'open', opened: urls.length - failed, failed, firstError });
  }
  await end;
  for (const ws of sockets) ws.terminate();
}

interface Pending {
  due: number;
  got: number;
}

interface Pair {
  sender: WebSocket;
  recipient: WebSocket;
  head: string;
  tail: string;
  prefix: string;
  next: number;
  pending: Map<number, Pending>;
}

async function load(spec: LoadSpec): Promise<void> {
  // Every localID: 8 chars unique to this process, 4 for the pair, 12 fixed, 8 for the sequence. The
  // cipher's key comes from chars 8..24, so one pair's body encrypts once and stays valid for each localID.
  const salt = randomBytes(6).toString('base64').replace(/[+/]/g, '_');
  const marker = Buffer.from(`"localID":"${salt}`);
  const pairs: Pair[] = [];
  await pool(spec.pairs.length, 32, async (i) => {
    const p = spec.pairs[i] as PairSpec;
    const [sender, recipient] = await Promise.all([open(p.sender), open(p.recipient)]);
    const prefix = `${salt}${i.toString(36).padStart(4, '0')}benchmessage`;
    const placeholder = 'LOCALID_PLACEHOLDER_LOCALID_0000';
    const text = JSON.stringify({
      eventName: 'chat/sendMessage',
      data: { ...p.message, localID: placeholder, body: encryptContent(TEXT, `${prefix}00000000`, 5) },
    });
    const [head, tail] = text.split(placeholder) as [string, string];
    pairs[i] = { sender, recipient, head, tail, prefix, next: 0, pending: new Map() };
  });
  say({ type: 'ready', sockets: pairs.length * 2 });

  let stopping = false;
  let window = { sent: 0, completed: 0, errors: 0, skipped: 0, latencies: [] as number[], errorSample: null as string | null };
  let lastCompletion = performance.now();
  let outstanding = 0;

  const send = (pair: Pair, due: number) => {
    const seq = pair.next++;
    pair.pending.set(seq, { due, got: 0 });
    outstanding++;
    window.sent++;
    pair.sender.send(pair.head + pair.prefix + seq.toString(36).padStart(8, '0') + pair.tail);
  };
  const finished = (pair: Pair, seq: number) => {
    pair.pending.delete(seq);
    outstanding--;
    lastCompletion = performance.now();
    if (spec.mode === 'throughput' && !stopping) send(pair, performance.now());
  };
  const receive = (role: 1 | 2) => (data: Buffer) => {
    const isError = data.length >= ERROR_PREFIX.length && data.compare(ERROR_PREFIX, 0, ERROR_PREFIX.length, 0, ERROR_PREFIX.length) === 0;
    const at = data.indexOf(marker);
    if (isError) {
      window.errors++;
      window.errorSample ??= data.toString('utf8', 0, 300);
    }
    if (at < 0) return; // another event (presence and the like)
    const start = at + marker.length;
    const pair = pairs[Number.parseInt(data.toString('latin1', start, start + 4), 36)];
    const seq = Number.parseInt(data.toString('latin1', start + 16, start + 24), 36);
    const pending = pair?.pending.get(seq);
    if (pair === undefined || pending === undefined) return;
    if (isError) return finished(pair, seq);
    pending.got |= role;
    if (pending.got === 3) {
      window.completed++;
      window.latencies.push(performance.now() - pending.due);
      finished(pair, seq);
    }
  };
  for (const pair of pairs) {
    pair.sender.on('message', receive(1));
    pair.recipient.on('message', receive(2));
    for (const ws of [pair.sender, pair.recipient]) {
      ws.on('close', (code) => {
        if (!stopping) {
          window.errors++;
          window.errorSample ??= `a socket closed (${code}) during the run`;
        }
      });
    }
  }

  const startedAt = performance.now();
  if (spec.mode === 'throughput') {
    for (let w = 0; w < spec.window; w++) for (const pair of pairs) send(pair, performance.now());
  } else {
    // Open loop: the k-th message is due at start + k/rate, sent by sender k mod P.
    let k = 0;
    // Past half a second of backlog the rate is lost anyway; holding back keeps the server's queue bounded.
    const cap = Math.max(500, Math.ceil(spec.rate / 2));
    const tick = () => {
      if (stopping) return;
      const due = Math.floor(((performance.now() - startedAt) * spec.rate) / 1000);
      for (; k < due; k++) {
        const at = startedAt + (k * 1000) / spec.rate;
        if (outstanding >= cap) window.skipped++;
        else send(pairs[k % pairs.length] as Pair, at);
      }
      setTimeout(tick, 1);
    };
    tick();
  }

  for (let i = 0; i <= spec.runs; i++) {
    const seconds = i === 0 ? spec.warmupSeconds : spec.runSeconds;
    const serverBefore = spec.serverPids.map(cpuSeconds);
    const ownBefore = process.cpuUsage();
    const t0 = performance.now();
    window = { sent: 0, completed: 0, errors: 0, skipped: 0, latencies: [], errorSample: null };
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(100, end - performance.now())));
      if (outstanding > 0 && performance.now() - lastCompletion > STALL_MS) {
        say({
          type: 'failed',
          message: `no message completed for ${STALL_MS / 1000} s with ${outstanding} outstanding; last error: ${window.errorSample ?? 'none'}`,
        });
        process.exit(1);
      }
    }
    const elapsed = (performance.now() - t0) / 1000;
    const own = process.cpuUsage(ownBefore);
    const sorted = Float64Array.from(window.latencies).sort();
    say({
      type: 'run',
      run: {
        index: i,
        seconds: elapsed,
        sent: window.sent,
        completed: window.completed,
        p50Ms: quantile(sorted, 0.5),
        p99Ms: quantile(sorted, 0.99),
        p999Ms: quantile(sorted, 0.999),
        maxMs: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] as number),
        errors: window.errors,
        errorSample: window.errorSample,
        skipped: window.skipped,
        ...serverCpu(spec.serverPids, serverBefore),
        generatorCpuSeconds: (own.user + own.system) / 1e6,
      },
    });
  }
  stopping = true;
  for (const pair of pairs) {
    pair.sender.terminate();
    pair.recipient.terminate();
  }
}

const spec = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as LoadSpec;
try {
  await (spec.mode === 'idle' ? idle(spec) : load(spec));
  process.exit(0);
} catch (err) {
  say({ type: 'failed', message: (err as Error).message });
  process.exit(1);
}

/** CPU-seconds the server processes used since `before` (their readings then), summed and each. */
function serverCpu(pids: number[], before: number[]): { serverCpuSeconds: number; serverCpuSecondsEach: number[] } {
  const each = pids.map((pid, i) => cpuSeconds(pid) - (before[i] ?? 0));
  return { serverCpuSeconds: each.reduce((a, b) => a + b, 0), serverCpuSecondsEach: each };
}
