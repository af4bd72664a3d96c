// The `parley` CLI in child processes, as an operator runs it: `node bin/parley.js …` (no shell),
// against the compiled dist/ (rebuilt when older than src/). Shared by the CLI and backup tests.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'parley.js');
const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');

/** The working directory of every child, so a default `./data/parley.db` could never touch the repo. */
export const WORK_DIR = mkdtempSync(join(tmpdir(), 'parley-cli-'));

/** The children's environment: ours without Parley's settings nor OpenTelemetry's (each test passes its own). */
const CHILD_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined && !entry[0].startsWith('PARLEY_') && !entry[0].startsWith('OTEL_') && !entry[0].startsWith('NODE_TEST'),
  ),
);

const live = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

// --- dist/ is what bin/parley.js runs: rebuild it when it is missing or older than src/ ---------

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Rebuilds dist/ when it is missing or older than src/ (tsc takes a few seconds). */
export function buildDistIfStale(): void {
  if (existsSync(DIST_MAIN) && statSync(DIST_MAIN).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const started = Date.now();
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  // Type errors are the typecheck's business; tsc still emits, and the emitted code is what we test.
  if (build.status !== 0) console.warn(`tsc -p tsconfig.build.json exited ${build.status}:\n${build.stdout}${build.stderr}`);
  if (!existsSync(DIST_MAIN) || statSync(DIST_MAIN).mtimeMs < started - 1000) {
    throw new Error(`could not build dist/ (tsc exited ${build.status}):\n${build.stdout}${build.stderr}`);
  }
}

// Before any suite is even declared. (Not a top-level `before`/`after`: node:test runs root hooks
// around the suites declared so far, and `eachDialect` declares its suites after an await.)
buildDistIfStale();

// Whatever happens, no child outlives this file, and the working directory goes.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  rmSync(WORK_DIR, { recursive: true, force: true });
});

// --- running the CLI ---------------------------------------------------------------------------

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `env`: variables added to the child's environment (OTEL_*, PARLEY_*); `stdin: true` gives the child a
 * pipe to write its input to (`parley chat`), otherwise it has none.
 */
export function spawnParley(args: string[], options: { env?: Record<string, string>; stdin?: boolean } = {}): ChildProcess {
  const stdin = options.stdin === true ? 'pipe' : 'ignore';
  return track(spawn(process.execPath, [BIN, ...args], { cwd: WORK_DIR, env: { ...CHILD_ENV, ...options.env }, stdio: [stdin, 'pipe', 'pipe'] }));
}

/** Runs one command to completion (killed after `timeoutMs`); `input` is written to its standard input (a password). */
export function parley(args: string[], timeoutMs = 60_000, env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnParley(args, { env, stdin: input !== undefined });
    child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function describeRun(run: Run): string {
  return `exit ${run.code} (signal ${run.signal})\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}

/** The exit code, with both streams in the message when it is not the expected one. */
export function assertExit(run: Run, code: number): void {
  assert.equal(run.code, code, describeRun(run));
  assert.equal(run.signal, null, describeRun(run));
}

export const STACK_FRAME = /\n\s+at /;

/** A failure is one clear message on stderr: no stack trace, nothing on stdout. */
export function assertFails(run: Run, code: number, message: string | RegExp): void {
  assertExit(run, code);
  assert.doesNotMatch(run.stderr, STACK_FRAME, 'no stack trace');
  if (typeof message === 'string') assert.ok(run.stderr.includes(message), `stderr contains ${JSON.stringify(message)}\n${describeRun(run)}`);
  else assert.match(run.stderr, message);
  assert.equal(run.stdout, '', 'nothing on stdout');
}

/** A success prints only to stdout. */
export function assertSucceeds(run: Run): void {
  assertExit(run, 0);
  assert.equal(run.stderr, '', 'nothing on stderr');
}

/** stdout must be exactly one JSON value. */
export function parseJson<T>(run: Run): T {
  assertSucceeds(run);
  return JSON.parse(run.stdout) as T;
}

export class Server {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawnParley(['serve', ...args], { env });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Waits for the "listening" line and returns the base URL. */
  listening(timeoutMs = 30_000): Promise<string> {
    const pattern = /^Parley listening on (http:\/\/127\.0\.0\.1:(\d+)) \(database: \w+\)$/m;
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.stdout);
        if (!match) return;
        done();
        resolve(match[1] as string);
      };
      const exit = (code: number | null) => {
        done();
        reject(new Error(`parley serve exited (${code}) before listening\n--- stdout\n${this.stdout}--- stderr\n${this.stderr}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`parley serve did not listen within ${timeoutMs} ms\n--- stdout\n${this.stdout}--- stderr\n${this.stderr}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.off('exit', exit);
      };
      this.child.stdout?.on('data', check);
      this.child.once('exit', exit);
      check();
    });
  }

  /** SIGTERM, then the exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface Envelope {
  status: number;
  error: { code: string; message: string; field: string };
  data: Record<string, unknown>;
}

export async function postJson(url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: Envelope }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Envelope };
}
