// The only reader of process.env: parsed once into a frozen, typed object; every bad variable is named.
import {
  type FilesConfig,
  type TracingSettings,
  type TrustProxy,
  connectionCap,
  parseFilesConfig,
  parseTracing,
  parseTrustProxy,
  readOpenFileLimit,
} from './config-parts.ts';
import { DEFAULT_PG_LIMITS, type PgLimits } from './storage/pg-limits.ts';
import type { SqliteStartupCheck } from './storage/sqlite.ts';

export interface Config {
  readonly databaseUrl: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** HS256 secret for tickets and access tokens; when unset, read from (or created in) ticketSecretFile. */
  readonly ticketSecret: string | undefined;
  /** Where the secret is kept when PARLEY_TICKET_SECRET is unset (default: beside the SQLite file, or ./data/). */
  readonly ticketSecretFile: string | undefined;
  /** Other secrets whose tokens are still accepted while rotating. */
  readonly ticketSecretsAccepted: readonly string[];
  readonly sqliteSynchronous: 'NORMAL' | 'FULL';
  readonly bodyLimit: number;
  /** Milliseconds a client has to send a whole request. */
  readonly requestTimeout: number;
  readonly pgPoolSize: number;
  /** PostgreSQL time limits, milliseconds (storage/postgres.ts says what each bounds). */
  readonly pgLimits: Readonly<PgLimits>;
  /** Milliseconds a SQLite statement waits for another connection's lock before answering 503. */
  readonly sqliteBusyTimeout: number;
  /** How the SQLite file is checked before serving. */
  readonly sqliteStartupCheck: SqliteStartupCheck;
  /** Milliseconds /readyz waits for the database before answering 503. */
  readonly readyTimeout: number;
  readonly trustProxy: TrustProxy;
  /** Lifetime of client access tokens, seconds. */
  readonly accessTokenTtl: number;
  /** Lifetime of client refresh tokens, seconds. */
  readonly refreshTokenTtl: number;
  /** Redis for counters shared by every node (rate limits, brute-force protection); memory when unset. */
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key, so deployments can share one Redis. */
  readonly redisPrefix: string;
  /** Milliseconds allowed for connecting to Redis and for each Redis command. */
  readonly redisTimeout: number;
  /** Requests per minute per key on the server and integration APIs; 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  readonly authFailuresPerAddress: number;
  /** Failures allowed per presented credential (PARLEY_AUTH_FAILURES_PER_KEY, named before the rule changed). */
  readonly authFailuresPerCredential: number;
  readonly authFailureWindowSeconds: number;
  readonly metrics: boolean;
  /** How long a verified key stays cached (seconds); 0 reads the database on every request. */
  readonly keyCacheTtl: number;
  /** Fan-out between nodes: `redis` (needs redisUrl), `nats`, or `none` (one process). */
  readonly broker: 'none' | 'redis' | 'nats';
  readonly natsUrl: string;
  /** Largest `body` / `data` of a chat message, in characters (ciphertext). */
  readonly messageMaxChars: number;
  /** Largest socket frame a client may send, in bytes. */
  readonly socketMaxFrame: number;
  /** Characters of message content in one room-list answer (room_list_and_unread, new_and_updated). */
  readonly listMaxChars: number;
  /** Webhook delivery: private addresses allowed, the answer deadline and the retry schedule (ms). */
  readonly webhooks: { allowPrivate: boolean; timeoutMs: number; retryFirstMs: number; retryMaxMs: number; retryWindowMs: number };
  /** Serves /demo and its ticket route (never in production: it hands out tickets to anyone). */
  readonly demo: boolean;
  /** TCP connections at once (HTTP and sockets); by default what the open-file limit leaves. */
  readonly maxConnections: number;
  /** Connections at once from one client address (IPv6: one /64); 0 = no cap; off behind a trusted proxy. */
  readonly maxConnectionsPerAddress: number;
  /** Chat sockets one user may hold on this process; 0 = no cap. */
  readonly socketsPerUser: number;
  /** Socket events per user per second (token bucket, this process), and the burst; 0 = no limit. */
  readonly socketEventRate: { perSecond: number; burst: number };
  /** Client API calls per user per second (token bucket, this process), and the burst; 0 = no limit. */
  readonly clientCallRate: { perSecond: number; burst: number };
  /** Milliseconds between this node's looks for due scheduled messages; 0: this node sends none. */
  readonly schedulerInterval: number;
  /** Milliseconds between rounds handing waiting Live Chat cases to online agents; 0: none. */
  readonly assignInterval: number;
  /** Where uploaded files are kept (a directory or an S3 bucket) and the base of their links. */
  readonly files: FilesConfig;
  /** Deleting what expired (services/retention.ts); rounds run on one node at a time. */
  readonly retention: RetentionSettings;
  /** Milliseconds between a node's presence beats; a node silent for three beats is gone, its users offline. */
  readonly presenceInterval: number;
  /** OpenTelemetry tracing, from the standard OTEL_* variables; undefined: off (the SDK is never loaded). */
  readonly tracing: TracingSettings | undefined;
}

/** Deleting what expired (services/retention.ts). */
export interface RetentionSettings {
  /** Seconds between rounds; 0: this node runs none. */
  intervalSeconds: number;
  /** Days an ended session (and its refresh tokens) is kept. */
  sessionDays: number;
  /** Days a delivered or failed webhook delivery is kept (for `parley webhook deliveries` and replay). */
  webhookDays: number;
}

export const DEFAULT_DATABASE_URL = './data/parley.db';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `overrides` are command-line flags; they win over the environment. */
export function loadConfig(env: Env, overrides: Partial<Record<'databaseUrl' | 'host' | 'port', string>> = {}): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T => {
    if (raw === undefined) return fallback;
    const v = (allowed as readonly string[]).find((a) => a.toLowerCase() === raw.toLowerCase());
    if (v === undefined) {
      problems.push(`${name}: expected one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return v as T;
  };

  const ticketSecret = get('PARLEY_TICKET_SECRET');
  if (ticketSecret !== undefined && ticketSecret.length < 32) {
    problems.push('PARLEY_TICKET_SECRET: must be at least 32 characters');
  }
  const ticketSecretsAccepted = (get('PARLEY_TICKET_SECRET_ACCEPTED') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ticketSecretsAccepted.some((s) => s.length < 32)) problems.push('PARLEY_TICKET_SECRET_ACCEPTED: each secret must be at least 32 characters');
  const trustProxy = parseTrustProxy(get('PARLEY_TRUST_PROXY'), problems);

  const statementTimeout = int('PARLEY_PG_STATEMENT_TIMEOUT', get('PARLEY_PG_STATEMENT_TIMEOUT'), DEFAULT_PG_LIMITS.statement, 0, 3_600_000);
  // The client's bound sits above the server's, so a slow statement is cancelled by the server (the
  // connection stays usable) before the client gives up on the connection.
  const queryDefault = statementTimeout === 0 ? DEFAULT_PG_LIMITS.query : statementTimeout + (DEFAULT_PG_LIMITS.query - DEFAULT_PG_LIMITS.statement);
  const queryTimeout = int('PARLEY_PG_QUERY_TIMEOUT', get('PARLEY_PG_QUERY_TIMEOUT'), queryDefault, 100, 3_600_000);
  if (statementTimeout > 0 && queryTimeout <= statementTimeout) {
    problems.push(`PARLEY_PG_QUERY_TIMEOUT: must be more than PARLEY_PG_STATEMENT_TIMEOUT (${statementTimeout}), got "${queryTimeout}"`);
  }
  const pgLimits: PgLimits = Object.freeze({
    connect: int('PARLEY_PG_CONNECT_TIMEOUT', get('PARLEY_PG_CONNECT_TIMEOUT'), DEFAULT_PG_LIMITS.connect, 100, 600_000),
    statement: statementTimeout,
    query: queryTimeout,
    idleInTransaction: int(
      'PARLEY_PG_IDLE_IN_TRANSACTION_TIMEOUT',
      get('PARLEY_PG_IDLE_IN_TRANSACTION_TIMEOUT'),
      DEFAULT_PG_LIMITS.idleInTransaction,
      0,
      3_600_000,
    ),
    keepAliveDelay: int('PARLEY_PG_KEEPALIVE_DELAY', get('PARLEY_PG_KEEPALIVE_DELAY'), DEFAULT_PG_LIMITS.keepAliveDelay, 1000, 3_600_000),
  });

  // What one client or user may take of a node (docs/configuration.md, "Limits").
  const pgPoolSize = int('PARLEY_PG_POOL_SIZE', get('PARLEY_PG_POOL_SIZE'), 10, 1, 1000);
  const maxConnections = connectionCap(get('PARLEY_MAX_CONNECTIONS'), pgPoolSize, readOpenFileLimit(), problems);
  const limits = {
    maxConnections,
    maxConnectionsPerAddress: int(
      'PARLEY_MAX_CONNECTIONS_PER_ADDRESS',
      get('PARLEY_MAX_CONNECTIONS_PER_ADDRESS'),
      Math.min(256, Math.ceil(maxConnections / 4)),
      0,
      10_000_000,
    ),
    socketsPerUser: int('PARLEY_SOCKETS_PER_USER', get('PARLEY_SOCKETS_PER_USER'), 20, 0, 100_000),
    socketEventRate: {
      perSecond: int('PARLEY_SOCKET_EVENT_RATE', get('PARLEY_SOCKET_EVENT_RATE'), 20, 0, 1_000_000),
      burst: int('PARLEY_SOCKET_EVENT_BURST', get('PARLEY_SOCKET_EVENT_BURST'), 200, 1, 1_000_000),
    },
    clientCallRate: {
      perSecond: int('PARLEY_CLIENT_CALL_RATE', get('PARLEY_CLIENT_CALL_RATE'), 10, 0, 1_000_000),
      burst: int('PARLEY_CLIENT_CALL_BURST', get('PARLEY_CLIENT_CALL_BURST'), 100, 1, 1_000_000),
    },
  };
  const config: Omit<
    Config,
    | 'broker'
    | 'natsUrl'
    | 'messageMaxChars'
    | 'socketMaxFrame'
    | 'listMaxChars'
    | 'demo'
    | 'schedulerInterval'
    | 'assignInterval'
    | 'retention'
    | 'presenceInterval'
    | 'tracing'
    | 'webhooks'
    | 'files'
    | keyof typeof limits
  > = {
    databaseUrl: overrides.databaseUrl ?? get('PARLEY_DATABASE_URL') ?? DEFAULT_DATABASE_URL,
    host: overrides.host ?? get('PARLEY_HOST') ?? '127.0.0.1',
    port: int(overrides.port === undefined ? 'PARLEY_PORT' : '--port', overrides.port ?? get('PARLEY_PORT'), 8080, 0, 65535),
    logLevel: oneOf('PARLEY_LOG_LEVEL', get('PARLEY_LOG_LEVEL'), LOG_LEVELS, 'info'),
    ticketSecret,
    ticketSecretFile: get('PARLEY_TICKET_SECRET_FILE'),
    ticketSecretsAccepted,
    sqliteSynchronous: oneOf('PARLEY_SQLITE_SYNCHRONOUS', get('PARLEY_SQLITE_SYNCHRONOUS'), ['NORMAL', 'FULL'], 'NORMAL'),
    requestTimeout: int('PARLEY_REQUEST_TIMEOUT', get('PARLEY_REQUEST_TIMEOUT'), 30_000, 1000, 600_000),
    bodyLimit: int('PARLEY_BODY_LIMIT', get('PARLEY_BODY_LIMIT'), 65536, 1024, 16 * 1024 * 1024),
    pgPoolSize,
    pgLimits,
    sqliteBusyTimeout: int('PARLEY_SQLITE_BUSY_TIMEOUT', get('PARLEY_SQLITE_BUSY_TIMEOUT'), 5000, 0, 600_000),
    sqliteStartupCheck: oneOf('PARLEY_SQLITE_STARTUP_CHECK', get('PARLEY_SQLITE_STARTUP_CHECK'), ['quick', 'full', 'off'], 'quick'),
    readyTimeout: int('PARLEY_READY_TIMEOUT', get('PARLEY_READY_TIMEOUT'), 2000, 100, 60_000),
    trustProxy,
    accessTokenTtl: int('PARLEY_ACCESS_TOKEN_TTL', get('PARLEY_ACCESS_TOKEN_TTL'), 3600, 60, 86400),
    redisUrl: get('PARLEY_REDIS_URL'),
    redisPrefix: get('PARLEY_REDIS_PREFIX') ?? 'parley:',
    redisTimeout: int('PARLEY_REDIS_TIMEOUT', get('PARLEY_REDIS_TIMEOUT'), 1000, 50, 60_000),
    rateLimitPerMinute: int('PARLEY_RATE_LIMIT', get('PARLEY_RATE_LIMIT'), 60000, 0, 100_000_000),
    authFailuresPerAddress: int('PARLEY_AUTH_FAILURES_PER_ADDRESS', get('PARLEY_AUTH_FAILURES_PER_ADDRESS'), 30, 1, 1_000_000),
    authFailuresPerCredential: int('PARLEY_AUTH_FAILURES_PER_KEY', get('PARLEY_AUTH_FAILURES_PER_KEY'), 100, 1, 1_000_000),
    authFailureWindowSeconds: int('PARLEY_AUTH_FAILURE_WINDOW', get('PARLEY_AUTH_FAILURE_WINDOW'), 300, 1, 86400),
    keyCacheTtl: int('PARLEY_KEY_CACHE_TTL', get('PARLEY_KEY_CACHE_TTL'), 5, 0, 3600),
    metrics: oneOf('PARLEY_METRICS', get('PARLEY_METRICS'), ['true', 'false'], 'true') === 'true',
    refreshTokenTtl: int('PARLEY_REFRESH_TOKEN_TTL', get('PARLEY_REFRESH_TOKEN_TTL'), 30 * 86400, 3600, 365 * 86400),
  };
  const redisUrl = get('PARLEY_REDIS_URL');
  const broker = oneOf('PARLEY_BROKER', get('PARLEY_BROKER'), ['none', 'redis', 'nats'], redisUrl === undefined ? 'none' : 'redis');
  if (broker === 'redis' && redisUrl === undefined) problems.push('PARLEY_BROKER: redis needs PARLEY_REDIS_URL');
  const extra = {
    broker,
    natsUrl: get('PARLEY_NATS_URL') ?? 'nats://127.0.0.1:4222',
    messageMaxChars: int('PARLEY_MESSAGE_MAX_CHARS', get('PARLEY_MESSAGE_MAX_CHARS'), 65536, 1024, 4 * 1024 * 1024),
    socketMaxFrame: int('PARLEY_SOCKET_MAX_FRAME', get('PARLEY_SOCKET_MAX_FRAME'), 262144, 4096, 16 * 1024 * 1024),
    listMaxChars: int('PARLEY_LIST_MAX_CHARS', get('PARLEY_LIST_MAX_CHARS'), 4 * 1024 * 1024, 65536, 256 * 1024 * 1024),
    demo: oneOf('PARLEY_DEMO', get('PARLEY_DEMO'), ['true', 'false'], 'false') === 'true',
    schedulerInterval: int('PARLEY_SCHEDULER_INTERVAL', get('PARLEY_SCHEDULER_INTERVAL'), 1000, 0, 60_000),
    assignInterval: int('PARLEY_ASSIGN_INTERVAL', get('PARLEY_ASSIGN_INTERVAL'), 10_000, 0, 600_000),
    files: parseFilesConfig(get, config.databaseUrl, problems),
    presenceInterval: int('PARLEY_PRESENCE_INTERVAL', get('PARLEY_PRESENCE_INTERVAL'), 10_000, 100, 600_000),
    tracing: parseTracing(get, problems),
    retention: Object.freeze({
      intervalSeconds: int('PARLEY_RETENTION_INTERVAL', get('PARLEY_RETENTION_INTERVAL'), 600, 0, 86_400),
      sessionDays: int('PARLEY_RETENTION_SESSION_DAYS', get('PARLEY_RETENTION_SESSION_DAYS'), 30, 0, 3650),
      webhookDays: int('PARLEY_RETENTION_WEBHOOK_DAYS', get('PARLEY_RETENTION_WEBHOOK_DAYS'), 7, 0, 3650),
    }),
    webhooks: Object.freeze({
      allowPrivate: oneOf('PARLEY_WEBHOOK_ALLOW_PRIVATE', get('PARLEY_WEBHOOK_ALLOW_PRIVATE'), ['true', 'false'], 'false') === 'true',
      timeoutMs: int('PARLEY_WEBHOOK_TIMEOUT', get('PARLEY_WEBHOOK_TIMEOUT'), 10_000, 100, 120_000),
      retryFirstMs: int('PARLEY_WEBHOOK_RETRY_FIRST', get('PARLEY_WEBHOOK_RETRY_FIRST'), 5000, 10, 3_600_000),
      retryMaxMs: int('PARLEY_WEBHOOK_RETRY_MAX', get('PARLEY_WEBHOOK_RETRY_MAX'), 6 * 3_600_000, 10, 86_400_000),
      retryWindowMs: int('PARLEY_WEBHOOK_RETRY_WINDOW', get('PARLEY_WEBHOOK_RETRY_WINDOW'), 26 * 3_600_000, 0, 30 * 86_400_000),
    }),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...config, ...extra, ...limits });
}
