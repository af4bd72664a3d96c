// Server processes pinned to one CPU with taskset, their readiness, logs, and RSS / WAL peaks.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';

const live = new Set<ChildProcess>();

/** Has killAll() end `child` too (processes the bench spawns itself, such as load generators). */
export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Kills what is still running (the runner calls this when interrupted or failing). */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  name: string;
  cpu: number;
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  port: number;
  /** GET path that answers once the server is up (any HTTP status counts). */
  readyPath: string;
}

export class PinnedProcess {
  private readonly lines: string[] = [];
  private logMark = 0;
  private partial = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    const collect = (chunk: Buffer) => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) if (line.trim() !== '') this.lines.push(line);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', () => live.delete(child));
  }

  static async start(o: StartOptions): Promise<PinnedProcess> {
    // taskset execs the command, so the child's pid is the server's own.
    const child = spawn('taskset', ['-c', String(o.cpu), o.command, ...o.args], {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    const proc = new PinnedProcess(o.name, child, `http://127.0.0.1:${o.port}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${o.name} exited during start-up (${child.exitCode ?? child.signalCode}):\n${proc.lines.join('\n')}`);
      }
      try {
        await fetch(proc.url + o.readyPath, { signal: AbortSignal.timeout(1000) });
        break;
      } catch {
        if (Date.now() > deadline) {
          await proc.stop();
          throw new Error(`${o.name} did not answer on ${proc.url} within 60 s:\n${proc.lines.join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    proc.takeLogs();
    return proc;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Null while running; the exit code or signal once it has died. */
  get exited(): string | null {
    if (this.child.exitCode !== null) return `exit code ${this.child.exitCode}`;
    return this.child.signalCode;
  }

  /** Log lines printed since the last call. */
  takeLogs(): string[] {
    const taken = this.lines.slice(this.logMark);
    this.logMark = this.lines.length;
    return taken;
  }

  /** SIGSTOP / SIGCONT: keeps an idle server off the CPU while another one is measured there. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** Waits `drainMs` first, so requests still running after the generator hung up can finish. */
  async stop(drainMs = 0): Promise<void> {
    if (this.exited !== null) return;
    if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Samples a process's VmRSS (and a SQLite WAL file's size) every 200 ms and keeps the peaks. */
export class PeakSampler {
  private timer: NodeJS.Timeout | undefined;
  private rssKb = 0;
  private walBytes = 0;

  constructor(
    private readonly pid: number,
    private readonly walPath: string | undefined,
  ) {}

  private sample(): void {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (match) this.rssKb = Math.max(this.rssKb, Number(match[1]));
    } catch {
      // The process is gone; the runner reports that.
    }
    if (this.walPath !== undefined) {
      try {
        this.walBytes = Math.max(this.walBytes, statSync(this.walPath).size);
      } catch {
        // No WAL file yet.
      }
    }
  }

  start(): void {
    this.rssKb = 0;
    this.walBytes = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
  }

  stop(): { rssMb: number; walMb: number | null } {
    clearInterval(this.timer);
    this.sample();
    return { rssMb: this.rssKb / 1024, walMb: this.walPath === undefined ? null : this.walBytes / (1024 * 1024) };
  }
}

/** Runs `work` with `servers` stopped (SIGSTOP), so a baseline measured meanwhile has the CPU to itself. */
export async function whilePaused<T>(servers: PinnedProcess[], work: () => Promise<T>): Promise<T> {
  for (const s of servers) s.pause();
  try {
    return await work();
  } finally {
    for (const s of servers) s.resume();
  }
}
