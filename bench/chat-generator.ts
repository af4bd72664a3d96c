// The runner's side of bench/chat-load.ts: a generator process pinned to the generator CPU, its spec
// written to a file, the JSON lines it prints handed over one by one.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LoadLine, LoadSpec } from './chat-load.ts';
import { track } from './processes.ts';

export interface GeneratorContext {
  root: string;
  tmpDir: string;
  generatorCpu: number;
}

export interface Generator {
  child: ChildProcess;
  /** Resolves with the exit code. */
  done: Promise<number>;
}

/** Starts a generator process on the generator CPU and hands each JSON line it prints to `onLine`. */
export function generator(ctx: GeneratorContext, spec: LoadSpec, name: string, onLine: (line: LoadLine) => void): Generator {
  const file = join(ctx.tmpDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn('taskset', ['-c', String(ctx.generatorCpu), 'node', '--import', 'tsx', 'bench/chat-load.ts', file], {
    cwd: ctx.root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    try {
      onLine(JSON.parse(text) as LoadLine);
    } catch {
      stderr += `${text}\n`;
    }
  });
  const done = new Promise<number>((resolve) =>
    child.once('exit', (code) => {
      if (code !== 0 && stderr.trim() !== '') console.error(`  generator ${name}: ${stderr.trim().slice(-1000)}`);
      resolve(code ?? 1);
    }),
  );
  return { child, done };
}
