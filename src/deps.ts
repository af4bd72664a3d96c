import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import { newSecret } from './credentials.ts';
import { createLogger } from './logging.ts';
import { type Metrics, createMetrics } from './metrics.ts';
import { getOrCreateSetting } from './repos/settings.ts';
import { type TicketRow, insertTickets } from './repos/tickets.ts';
import { type AuthCache, createAuthCache } from './security/auth-cache.ts';
import { type AuthGuard, memoryAuthGuard, redisAuthGuard } from './security/auth-guard.ts';
import { InsertBatcher } from './storage/batcher.ts';
import { type Database, openDatabase } from './storage/database.ts';
import type { DialectName } from './storage/dialect.ts';
import type { DB } from './storage/schema.ts';
import { type TokenSigner, createTokenSigner } from './tokens.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Everything a service needs, built once by the composition root (or by a test). */
export interface Deps {
  db: Kysely<DB>;
  dialect: DialectName;
  clock: Clock;
  logger: FastifyBaseLogger;
  signer: TokenSigner;
  metrics: Metrics;
  /** Shared counters across nodes, when configured. */
  redis: Redis | undefined;
  redisPrefix: string;
  authGuard: AuthGuard;
  authCache: AuthCache;
  /** Requests per minute per key on the server and integration APIs; 0 = off. */
  rateLimitPerMinute: number;
  /** Group commit for ticket records written outside a transaction. */
  tickets: InsertBatcher<TicketRow>;
  /** When each key's last_used_at was last written by this process (writes are throttled). */
  keyUsageWrites: Map<string, number>;
  /** Token lifetimes in seconds. */
  ttl: { access: number; refresh: number };
  close(): Promise<void>;
}

export async function createDeps(
  config: Config,
  options: { clock?: Clock; logger?: FastifyBaseLogger; database?: Database } = {},
): Promise<Deps> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const database =
    options.database ??
    (await openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous, poolSize: config.pgPoolSize }));
  let secret: string;
  try {
    secret = config.ticketSecret ?? (await getOrCreateSetting(database.db, 'ticket_signing_secret', newSecret));
  } catch (err) {
    await database.close();
    throw err;
  }
  const redis =
    config.redisUrl === undefined
      ? undefined
      : new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  redis?.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis error'));
  const limits = {
    perAddress: config.authFailuresPerAddress,
    perKey: config.authFailuresPerKey,
    windowMs: config.authFailureWindowSeconds * 1000,
  };
  const authCache = await createAuthCache({
    keyTtlMs: config.keyCacheTtl * 1000,
    // Sessions are cached only where every change reaches every node: one SQLite process, or Redis.
    sessionTtlMs: database.dialect === 'sqlite' || redis !== undefined ? 60_000 : 0,
    now: () => clock.now(),
    redis,
    channel: `${config.redisPrefix}invalidate`,
    logger,
  });
  return {
    db: database.db,
    dialect: database.dialect,
    clock,
    logger,
    signer: createTokenSigner(secret),
    metrics: createMetrics({ processMetrics: config.metrics }),
    redis,
    authGuard: redis === undefined ? memoryAuthGuard(limits, () => clock.now()) : redisAuthGuard(limits, redis, `${config.redisPrefix}authfail:`),
    redisPrefix: config.redisPrefix,
    authCache,
    tickets: new InsertBatcher((rows) => insertTickets(database.db, rows)),
    rateLimitPerMinute: config.rateLimitPerMinute,
    keyUsageWrites: new Map(),
    ttl: { access: config.accessTokenTtl, refresh: config.refreshTokenTtl },
    close: async () => {
      await authCache.close();
      await database.close();
      if (redis !== undefined) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
