// Runs wrk pinned to the generator CPU with one of bench/lua's scenario scripts (common.lua prepended).
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LUA_DIR = join(import.meta.dirname, 'lua');

export interface WrkSettings {
  threads: number;
  connections: number;
  /** CPU the generator is pinned to. */
  cpu: number;
}

/** What common.lua's done() prints, as parsed. Times in microseconds. */
export interface WrkResult {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
  maxUs: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  non2xxWrk: number;
  statuses: Record<string, number>;
  badEnvelopes: number;
  badSample: string | null;
  /** request() calls per thread (the runner advances single-use pools by these). */
  consumed: number[];
  exhausted: number;
  /** CPU time wrk used (user + system, its whole life), from bash's `times`. */
  generatorCpuSeconds: number;
}

/** Problems that stop the bench before it starts: missing tools, too few CPUs. */
/** `wrk`: the run has HTTP figures (the chat part does without it). */
export function checkTools(wrk: boolean): string[] {
  const problems: string[] = [];
  if (wrk && spawnSync('wrk', ['--version']).error !== undefined) {
    problems.push('wrk is not installed. Install it with: sudo apt-get install -y wrk   (Debian/Ubuntu; macOS: brew install wrk)');
  }
  if (spawnSync('taskset', ['--version']).error !== undefined) {
    problems.push('taskset is not installed. Install it with: sudo apt-get install -y util-linux');
  }
  const cpus = spawnSync('nproc').stdout?.toString().trim();
  if (cpus !== undefined && Number(cpus) < 2) problems.push(`2 CPUs are needed (server on CPU 0, generator on CPU 1); nproc says ${cpus}`);
  return problems;
}

export function wrkVersion(): string {
  const out = spawnSync('wrk', ['--version']);
  const first = `${out.stdout?.toString() ?? ''}${out.stderr?.toString() ?? ''}`.split('\n')[0] ?? '';
  return first.split(' ').slice(0, 2).join(' ') || 'wrk (version unknown)';
}

export class Wrk {
  private readonly scripts = new Map<string, string>();

  constructor(
    private readonly tmpDir: string,
    readonly settings: WrkSettings,
  ) {}

  /** The runnable script: common.lua followed by the scenario's own file, written once per run. */
  private script(name: string): string {
    let path = this.scripts.get(name);
    if (path === undefined) {
      path = join(this.tmpDir, `${name}.lua`);
      const common = readFileSync(join(LUA_DIR, 'common.lua'), 'utf8');
      writeFileSync(path, `${common}\n${readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8')}`);
      this.scripts.set(name, path);
    }
    return path;
  }

  async run(baseUrl: string, lua: string, seconds: number, args: Record<string, string>): Promise<WrkResult> {
    const { threads, connections, cpu } = this.settings;
    const argv = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s'];
    argv.push('-s', this.script(lua), baseUrl, '--', `threads=${threads}`);
    for (const [k, v] of Object.entries(args)) argv.push(`${k}=${v}`);
    // bash's `times` prints the CPU time of its children last: "0m0.957s 0m1.991s" (user, system).
    const shell = 'taskset -c "$0" wrk "$@"; s=$?; times; exit $s';
    const { stdout, stderr } = await run('bash', ['-c', shell, String(cpu), ...argv], { maxBuffer: 16 * 1024 * 1024, timeout: (seconds + 60) * 1000 });
    const lines = stdout.trim().split('\n');
    const line = lines.find((l) => l.startsWith('BENCH_RESULT '));
    if (line === undefined) throw new Error(`wrk printed no result.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    const cpuTimes = [...(lines.at(-1) ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    const result = JSON.parse(line.slice('BENCH_RESULT '.length)) as Omit<WrkResult, 'generatorCpuSeconds'>;
    return { ...result, generatorCpuSeconds: cpuTimes.reduce((a, b) => a + b, 0) };
  }
}

export const requestsPerSecond = (r: WrkResult): number => r.requests / (r.durationUs / 1e6);

/** Responses whose HTTP status is not 2xx. */
export function non2xx(r: WrkResult): number {
  return Object.entries(r.statuses).reduce((n, [code, count]) => (Number(code) >= 200 && Number(code) < 300 ? n : n + count), 0);
}

export function socketErrors(r: WrkResult): number {
  const e = r.socketErrors;
  return e.connect + e.read + e.write + e.timeout;
}
