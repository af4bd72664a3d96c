// Shared by the torture suites: real `parley serve` processes, the CLI, a keep-alive HTTP client,
// envelope checks and direct database access. Sizes come from PARLEY_TORTURE=full|reduced.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type { CreatedProject } from '../../src/services/projects.ts';
import { openDatabase } from '../../src/storage/database.ts';
import type { DB } from '../../src/storage/schema.ts';

export const FULL = process.env.PARLEY_TORTURE === 'full';
/** The reduced size (CI) or the full one. */
export const size = <T>(reduced: T, full: T): T => (FULL ? full : reduced);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'parley.js');
const run = promisify(execFile);

/** Builds dist/ unless every compiled file is newer than its source (tsc takes ~20 s here). */
export async function ensureBuilt(): Promise<void> {
  const stale = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return stale(path);
      if (!e.name.endsWith('.ts')) return false;
      const out = join(ROOT, 'dist', relative(join(ROOT, 'src'), path)).replace(/\.ts$/, '.js');
      try {
        return statSync(out).mtimeMs < statSync(path).mtimeMs;
      } catch {
        return true;
      }
    });
  if (stale(join(ROOT, 'src'))) await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT });
}

/** Generous brute-force limits: the suites send wrong credentials on purpose from one address. */
const BASE_ENV = { PARLEY_LOG_LEVEL: 'warn', PARLEY_AUTH_FAILURES_PER_ADDRESS: '1000000', PARLEY_AUTH_FAILURES_PER_KEY: '1000000' };

/** `env`: settings added to the command's environment (e.g. the deployment's PARLEY_TICKET_SECRET). */
export async function createProject(databaseUrl: string, env: Record<string, string> = {}): Promise<CreatedProject> {
  const { stdout } = await run(process.execPath, [BIN, 'project', 'create', '--name', 'torture', '--tier', 'free', '--json', '--database', databaseUrl], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout) as CreatedProject;
}

export interface ServerProcess {
  url: URL;
  pid: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Log lines at level error or worse (pino level ≥ 50), and lines that are not JSON logs. */
  problems: string[];
  /** The client addresses of the requests it logged (`req.remoteAddress`; request lines are logged at info). */
  addresses: Set<string>;
  tail(): string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A pino line's level (100 for anything that is not a JSON log line: a crash's stack trace) and its request's client address. */
function parseLogLine(line: string): { level: number; address?: string } {
  try {
    const parsed = JSON.parse(line) as { level?: unknown; req?: { remoteAddress?: unknown } };
    const address = parsed.req?.remoteAddress;
    return { level: typeof parsed.level === 'number' ? parsed.level : 100, address: typeof address === 'string' ? address : undefined };
  } catch {
    return { level: 100 };
  }
}

/**
 * Spawns `parley serve --port 0` and resolves once it prints its address. `openFiles` runs it under
 * that open-file limit (soft and hard, so Node cannot raise it), through bash's ulimit.
 */
export async function startServer(databaseUrl: string, env: Record<string, string> = {}, options: { openFiles?: number } = {}): Promise<ServerProcess> {
  const args = [BIN, 'serve', '--port', '0', '--database', databaseUrl];
  const [command, argv] =
    options.openFiles === undefined
      ? [process.execPath, args]
      : ['bash', ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, process.execPath, ...args]];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { ...process.env, ...BASE_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const lines: string[] = [];
  const problems: string[] = [];
  const addresses = new Set<string>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  const url = await new Promise<URL>((resolve, reject) => {
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 200) lines.shift();
        const listening = /^Parley listening on (http:\/\/\S+)/.exec(line);
        if (listening) {
          resolve(new URL(listening[1] as string));
          continue;
        }
        const { level, address } = parseLogLine(line);
        if (level >= 50) problems.push(line);
        if (address !== undefined) addresses.add(address);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`parley serve exited (${code ?? signal}) before listening:\n${lines.join('\n')}`)));
  });
  return { url, pid: child.pid as number, child, exited, problems, addresses, tail: () => lines.join('\n') };
}

/** SIGKILLs every server still running (after hooks). */
export async function killAll(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

export interface Envelope {
  status: number;
  error: { code: string; message: string; field: string };
  data: Record<string, unknown>;
}

/** Why `text` is not a well-formed envelope, or undefined when it is one. */
export function envelopeProblem(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  }
  const b = body as Record<string, unknown> | null;
  const e = b?.error as Record<string, unknown> | null | undefined;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return 'not an object';
  if (typeof b.status !== 'number') return 'status is not a number';
  if (typeof e !== 'object' || e === null || typeof e.code !== 'string' || typeof e.message !== 'string' || typeof e.field !== 'string') {
    return 'error is not {code, message, field} strings';
  }
  if (typeof b.data !== 'object' || b.data === null || Array.isArray(b.data)) return 'data is not an object';
  if ((b.status === 200) !== (e.code === '')) return 'status and error code disagree';
  return undefined;
}

export type Outcome =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; text: string; sentAt: number; doneAt: number }
  | { kind: 'error'; code: string; sentAt: number | undefined; doneAt: number };

export interface Request {
  method?: string;
  path: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
}

/** One HTTP exchange over `agent`; network failures are an outcome, never a rejection. */
export function send(agent: http.Agent, base: URL, req: Request, timeoutMs = 30_000): Promise<Outcome> {
  return new Promise((resolve) => {
    let sentAt: number | undefined;
    let settled = false;
    const finish = (o: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    const fail = (code: string) => finish({ kind: 'error', code, sentAt, doneAt: performance.now() });
    let r: http.ClientRequest;
    // Node frames a GET/DELETE body only when told its length; unframed bytes would be read as the next request.
    const framed = req.body === undefined || Object.keys(req.headers ?? {}).some((h) => /^(content-length|transfer-encoding)$/i.test(h));
    const headers = framed ? req.headers : { ...req.headers, 'content-length': Buffer.byteLength(req.body ?? '') };
    try {
      r = http.request({ host: base.hostname, port: base.port, method: req.method ?? 'POST', path: req.path, headers, agent });
    } catch (err) {
      return fail(`CLIENT:${(err as NodeJS.ErrnoException).code ?? 'ERROR'}`);
    }
    r.setTimeout(timeoutMs, () => r.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    r.on('finish', () => (sentAt = performance.now()));
    r.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      res.on('end', () => {
        if (!res.complete) return fail('INCOMPLETE');
        const text = Buffer.concat(chunks).toString('utf8');
        finish({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, text, sentAt: sentAt ?? performance.now(), doneAt: performance.now() });
      });
    });
    r.end(req.body);
  });
}

/** POSTs JSON; resolves to the envelope, throwing on anything else (for the suites' own set-up calls). */
export async function call(
  agent: http.Agent,
  base: URL,
  path: string,
  headers: http.OutgoingHttpHeaders,
  body: unknown = '""',
  method = 'POST',
): Promise<Envelope> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const o = await send(agent, base, {
    method,
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: method === 'GET' ? undefined : payload,
  });
  if (o.kind !== 'response') throw new Error(`${method} ${path}: ${o.code}`);
  const problem = envelopeProblem(o.text);
  if (problem !== undefined) throw new Error(`${method} ${path}: ${problem}`);
  return JSON.parse(o.text) as Envelope;
}

export const keepAlive = (maxSockets = 32) => new http.Agent({ keepAlive: true, maxSockets });

export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The suite's own view of the database (no migrations run). */
export async function openDb(databaseUrl: string): Promise<{ db: Kysely<DB>; close(): Promise<void> }> {
  return openDatabase(databaseUrl, { migrate: false });
}

/** Resident memory and CPU time of a live process, from /proc (Linux). */
export function procStats(pid: number): { rssBytes: number; cpuSeconds: number } {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { rssBytes: Number(rss?.[1] ?? 0) * 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const TICKET_PATH = '/v1/server/auth_ticket/request';
export const SYNC_PATH = '/api/integration/v1/user/sync_contact';

/** A valid PowerTalk auth_ticket/request body for `xcUserID`. */
export function ticketBody(xcUserID: string, n = 0) {
  return {
    userIPAddress: '10.1.2.3',
    userAgent: 'torture',
    userPlatform: 'web',
    userDeviceID: `device-${n}`,
    xcUserID,
    fullName: `User ${n}`,
    email: `user${n}@example.com`,
    phone: `0899${String(n).padStart(7, '0')}`,
    username: `user${n}`,
  };
}

/** A valid sync_contact body; the phone is international and unique per n. */
export function contactBody(customerUserID: string, n: number) {
  return {
    customerUserID,
    fullName: `Contact ${n}`,
    alias: `alias${n}`,
    email: `contact${n}@example.com`,
    phone: `62812${String(n).padStart(8, '0')}`,
    photoURL: `https://example.com/photo/${n}.jpg`,
  };
}
