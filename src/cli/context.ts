// What every CLI command gets: its arguments, the environment, output streams, and a way to open deps.
import type { Readable } from 'node:stream';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Config, loadConfig } from '../config.ts';
import { createDeps } from '../compose.ts';
import type { Deps } from '../deps.ts';
import { createLogger } from '../logging.ts';

export class UsageError extends Error {}

export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Standard input, read to its end (a password). */
  input?(): Promise<string>;
}

export interface CommandContext {
  args: string[];
  env: Record<string, string | undefined>;
  io: Output;
  /** What `parley chat` reads lines from (process.stdin unless given). */
  stdin?: Readable;
}

export type Command = (ctx: CommandContext) => Promise<number>;

/** Strict flag parsing; an unknown flag or a missing value is a usage error, not a crash. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, database: { type: 'string' } }, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function requireFlag(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`missing required flag --${flag}`);
  return value.trim();
}

/** Opens the database (running migrations) for an administrative command; logs stay quiet. */
export async function withDeps<T>(ctx: CommandContext, database: string | undefined, work: (deps: Deps, config: Config) => Promise<T>) {
  const config = loadConfig(ctx.env, database === undefined ? {} : { databaseUrl: database });
  const deps = await createDeps(config, { logger: createLogger('silent'), workers: false });
  try {
    return await work(deps, config);
  } finally {
    await deps.close();
  }
}

export function printJson(io: Output, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
