import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Kysely, Transaction } from 'kysely';
import type { Config } from './config.ts';
import { type Broker, localBroker, redisBroker } from './chat/broker.ts';
import { natsBroker } from './chat/broker-nats.ts';
import { Hub } from './chat/hub.ts';
import * as chatService from './services/chat.ts';
import type { ClientUser } from './services/user-view.ts';
import { findSessionsRevoked } from './repos/sessions.ts';
import { newSecret } from './credentials.ts';
import { createLogger } from './logging.ts';
import { type Metrics, createMetrics } from './metrics.ts';
import { getOrCreateSetting } from './repos/settings.ts';
import { type TicketRow, insertTickets } from './repos/tickets.ts';
import { type AuthCache, createAuthCache } from './security/auth-cache.ts';
import { type AuthGuard, memoryAuthGuard, redisAuthGuard } from './security/auth-guard.ts';
import { InsertBatcher, TransactionBatcher } from './storage/batcher.ts';
import { TokenBuckets } from './security/token-bucket.ts';
import { TtlCache } from './security/ttl-cache.ts';
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
  /**
   * Transactions that many requests run at once (new users, chat messages): on SQLite the jobs of one
   * event-loop turn share one transaction, one commit; on PostgreSQL each runs in its own.
   */
  writes: TransactionBatcher<Transaction<DB>>;
  /** Group commit for ticket records written outside a transaction. */
  tickets: InsertBatcher<TicketRow>;
  /** When each key's last_used_at was last written by this process (writes are throttled). */
  keyUsageWrites: Map<string, number>;
  /** Token lifetimes in seconds. */
  ttl: { access: number; refresh: number };
  chat: ChatRuntime;
  /** The demo page and its ticket route are served. */
  demo: boolean;
  /** Per-user rates in this process: socket events and client API calls. */
  userRates: { events: TokenBuckets; calls: TokenBuckets };
  close(): Promise<void>;
}

export interface ChatRuntime {
  hub: Hub;
  /** Client user objects, cached for a few seconds (senders and personal-room names in deliveries). */
  users: TtlCache<string, ClientUser>;
  /** Room details and members; changes are announced to every node through the hub. */
  rooms: TtlCache<string, chatService.RoomState>;
  limits: { content: number; frame: number; listMax: number; socketsPerUser: number };
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
  const broker: Broker =
    config.broker === 'redis' && redis !== undefined
      ? redisBroker(redis, `${config.redisPrefix}chat`, logger)
      : config.broker === 'nats'
        ? await natsBroker(config.natsUrl, `${config.redisPrefix}chat`, logger)
        : localBroker();
  const chat: ChatRuntime = {
    hub: new Hub(broker, authCache, logger),
    users: new TtlCache(5_000, 100_000, () => clock.now()),
    rooms: new TtlCache(60_000, 100_000, () => clock.now()),
    limits: { content: config.messageMaxChars, frame: config.socketMaxFrame, listMax: 1000, socketsPerUser: config.socketsPerUser },
  };
  const deps: Deps = {
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
    writes: new TransactionBatcher((work) => database.db.transaction().execute(work), database.dialect === 'sqlite'),
    rateLimitPerMinute: config.rateLimitPerMinute,
    keyUsageWrites: new Map(),
    ttl: { access: config.accessTokenTtl, refresh: config.refreshTokenTtl },
    chat,
    demo: config.demo,
    userRates: {
      events: new TokenBuckets(config.socketEventRate, () => clock.now()),
      calls: new TokenBuckets(config.clientCallRate, () => clock.now()),
    },
    close: async () => {
      await chat.hub.close();
      await authCache.close();
      await database.close();
      if (redis !== undefined) await redis.quit().catch(() => redis.disconnect());
    },
  };
  await chat.hub.start({
    refill: (projectId, roomId, after, before) => chatService.refillTargets(deps, projectId, roomId, after, before),
    presence: (projectId, userId, online) => {
      chatService.announcePresence(deps, projectId, userId, online).catch((err: Error) => logger.warn({ err: { message: err.message } }, 'presence not announced'));
    },
    roomChanged: (projectId, roomId) => chat.rooms.delete(`${projectId}\0${roomId}`),
    revokedSessions: (ids) => findSessionsRevoked(database.db, ids),
  });
  return deps;
}
