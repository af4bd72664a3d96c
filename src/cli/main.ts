// `parley` — the admin CLI. A thin shell over the services: one file per command.
import { ConfigError } from '../config.ts';
import { NotFoundError } from '../services/projects.ts';
import { type Command, type Output, UsageError } from './context.ts';
import { keyCreate } from './key-create.ts';
import { keyList } from './key-list.ts';
import { keyRevoke } from './key-revoke.ts';
import { migrate } from './migrate.ts';
import { projectCreate } from './project-create.ts';
import { projectList } from './project-list.ts';
import { serve } from './serve.ts';
import { tierSelect } from './tier-select.ts';

const COMMANDS: Record<string, Command> = {
  serve,
  migrate,
  'project create': projectCreate,
  'project list': projectList,
  'tier select': tierSelect,
  'key create': keyCreate,
  'key list': keyList,
  'key revoke': keyRevoke,
};

export const USAGE = `Usage: parley <command> [flags]

Commands:
  serve [--host H] [--port P] [--bootstrap]      serve the HTTP API (defaults 127.0.0.1:8080)
  migrate                                         run database migrations
  project create --name N [--tier T] [--json]     create a project with one key of each type
  project list [--json]                           list projects
  tier select --project ID --tier T               set a project's tier (free, pro, enterprise)
  key create --project ID --type server|api|app [--json]
  key list --project ID [--json]                  list keys (never their secrets)
  key revoke KEY_ID                               revoke a key at once

Every command takes --database URL (or PARLEY_DATABASE_URL): sqlite:PATH, a plain path, or
postgres://…; the default is ./data/parley.db.`;

const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export async function main(argv: string[], env: Record<string, string | undefined>, io: Output = stdio): Promise<number> {
  // Asked for, the usage is the output; given no command at all, it is a usage error (stderr, exit 2).
  if (argv.length === 0) {
    io.err(USAGE);
    return 2;
  }
  if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.out(USAGE);
    return 0;
  }
  const twoWords = `${argv[0]} ${argv[1] ?? ''}`;
  const [name, args] = COMMANDS[twoWords] ? [twoWords, argv.slice(2)] : [argv[0] as string, argv.slice(1)];
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`parley: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command({ args, env, io });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`parley ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof NotFoundError) {
      io.err(`parley ${name}: ${err.message}`);
      return 1;
    }
    io.err(`parley ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
