// `parley` — the admin CLI. A thin shell over the services: one file per command.
import { ConfigError } from '../config.ts';
import { NotFoundError } from '../services/projects.ts';
import { OperatorError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { type Command, type Output, UsageError } from './context.ts';
// Loaded on demand: `parley key list` need not load the HTTP server.
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.ts')).serve,
  migrate: async () => (await import('./migrate.ts')).migrate,
  backup: async () => (await import('./backup.ts')).backup,
  restore: async () => (await import('./restore.ts')).restore,
  'project create': async () => (await import('./project-create.ts')).projectCreate,
  'project list': async () => (await import('./project-list.ts')).projectList,
  'tier select': async () => (await import('./tier-select.ts')).tierSelect,
  'key create': async () => (await import('./key-create.ts')).keyCreate,
  'key list': async () => (await import('./key-list.ts')).keyList,
  'key revoke': async () => (await import('./key-revoke.ts')).keyRevoke,
  'webhook create': async () => (await import('./webhook-create.ts')).webhookCreate,
  'webhook list': async () => (await import('./webhook-list.ts')).webhookList,
  'webhook delete': async () => (await import('./webhook-delete.ts')).webhookDelete,
  'webhook deliveries': async () => (await import('./webhook-deliveries.ts')).webhookDeliveries,
  'webhook replay': async () => (await import('./webhook-replay.ts')).webhookReplay,
  'report list': async () => (await import('./report-list.ts')).reportList,
  'topic create': async () => (await import('./topic-create.ts')).topicCreate,
  'agent create': async () => (await import('./agent-create.ts')).agentCreate,
  'livechat settings': async () => (await import('./livechat-settings.ts')).livechatSettings,
  chat: async () => (await import('./chat.ts')).chat,
};

export const USAGE = `Usage: parley <command> [flags]

Commands:
  --version                                       print Parley's version
  serve [--host H] [--port P] [--bootstrap] [--demo]
                                                  serve the HTTP API (defaults 127.0.0.1:8080);
                                                  --bootstrap creates the project "default" on an
                                                  empty database, --demo serves /demo (never in
                                                  production: it hands out tickets to anyone)
  migrate                                         run database migrations
  backup --out FILE                               copy the SQLite database while it serves (online
                                                  backup; PostgreSQL: pg_dump, docs/operations.md)
  restore --from FILE [--force]                   make a backup the database (Parley stopped;
                                                  --force replaces a database that holds data)
  project create --name N [--tier T] [--json]     create a project with one key of each type
  project list [--json]                           list projects
  tier select --project P --tier T                set a project's tier (free, pro, enterprise)
  key create --project P --type server|api|app|livechat [--json]
                                                  livechat: the Live Chat launcher's Secret-Key
                                                  (an app key: its secret is the Secret-Key)
  key list --project P [--json]                   list keys (never their secrets)
  key revoke KEY_ID                               revoke a key at once
  webhook create --project P --url URL [--events E,…] [--json]
                                                  send the project's events to URL (every event
                                                  when --events is left out); the secret shows once
  webhook list --project P [--json]               list webhook endpoints (never their secrets)
  webhook delete ENDPOINT_ID                      stop an endpoint (its pending deliveries drop)
  webhook deliveries [--project P] [--endpoint ID] [--status pending|delivered|failed]
                     [--limit N] [--json]         list recent deliveries and their outcome
  webhook replay DELIVERY_ID… | --endpoint ID     send failed deliveries again (same webhook-id)
  report list --project P [--limit N] [--json]    what users reported (users, messages), newest
                                                  first (default the latest 100)
  topic create --project P --name N [--json]      a Live Chat topic visitors open cases on
  agent create --project P --email E --name N [--topics ID,…] [--json]
                                                  a Live Chat agent (every topic when --topics is
                                                  left out); the password is read from stdin
  livechat settings --project P [--colour #RRGGBB] [--max-open-cases N] [--json]
                                                  show or change the launcher's colour and the
                                                  most open cases a visitor may have (0: no limit)
  chat --project P --user XC (--to XC | --room ID) [--name N] [--url URL] [--json]
                                                  chat as the user XC (xcUserID; created when new)
                                                  through the Parley at URL (default
                                                  http://127.0.0.1:8080): prints each message that
                                                  arrives ("sender: text"; --json: one object a
                                                  line), sends each input line to the person XC or
                                                  the room ID; ends at end of input or Ctrl-C

Every command takes --database URL (or PARLEY_DATABASE_URL): sqlite:PATH, a plain path, or
postgres://…; the default is ./data/parley.db. --project P takes a project's id or its name.`;

const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  input: async () => {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text;
  },
};

/** The entries of USAGE for a command, or for every command of a group (`webhook`). */
function usageOf(prefix: string): string | undefined {
  const commands = USAGE.slice(USAGE.indexOf('Commands:\n') + 'Commands:\n'.length, USAGE.indexOf('\n\n', USAGE.indexOf('Commands:')));
  // An entry is a line indented by two spaces and the lines indented further that follow it.
  const entries = commands.split(/\n(?= {2}\S)/);
  const matching = entries.filter((e) => e.startsWith(`  ${prefix} `) || e.trimEnd() === `  ${prefix}`);
  return matching.length === 0 ? undefined : `Usage: parley ${prefix} …\n\n${matching.join('\n')}\n\n${USAGE.slice(USAGE.lastIndexOf('\n\n') + 2)}`;
}

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

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
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.out(VERSION);
    return 0;
  }
  const twoWords = `${argv[0]} ${argv[1] ?? ''}`;
  const [name, args] = COMMANDS[twoWords] ? [twoWords, argv.slice(2)] : [argv[0] as string, argv.slice(1)];
  const load = COMMANDS[name];
  // `parley key create --help`, `parley webhook --help`: that part of the usage, on stdout.
  const help = wantsHelp(args) ? usageOf(name) : undefined;
  if (help !== undefined) {
    io.out(help);
    return 0;
  }
  if (load === undefined) {
    io.err(`parley: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${USAGE}`);
    return 2;
  }
  try {
    const command = await load();
    return await command({ args, env, io });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`parley ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof NotFoundError || err instanceof OperatorError) {
      io.err(`parley ${name}: ${err.message}`);
      return 1;
    }
    io.err(`parley ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
