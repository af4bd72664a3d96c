// The composition root: builds the Deps of one process from its configuration (the database, the
// signing secret, Redis, the broker and the socket hub, with the hub's callbacks into the services).
import { randomUUID } from 'node:crypto';
import { type Tracer, context } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import { type Broker, localBroker, redisBroker } from './chat/broker.ts';
import { observedBroker } from './chat/broker-observed.ts';
import { Hub } from './chat/hub.ts';
import type { Config } from './config.ts';
import { type ChatRuntime, type Clock, type Deps, type WebhookRuntime, systemClock } from './deps.ts';
import { localStore } from './files/store.ts';
import { createLogger } from './logging.ts';
import { createMetrics, observeBrokerLink, observePool, observeSessionBatches, observeWriteBatches } from './metrics.ts';
import { findKeysRevoked } from './repos/projects.ts';
import { findSessionsRevoked } from './repos/sessions.ts';
import { sessionBatches } from './repos/session-batches.ts';
import { createAuthCache } from './security/auth-cache.ts';
import { memoryAuthGuard, redisAuthGuard } from './security/auth-guard.ts';
import { createSecretBox } from './security/secret-box.ts';
import { type SigningSecrets, loadSigningSecrets } from './security/signing-secret.ts';
import { TokenBuckets } from './security/token-bucket.ts';
import { TtlCache } from './security/ttl-cache.ts';
import { userCameOnline } from './services/case-backlog.ts';
import { announcePresence, refillTargets } from './services/delivery.ts';
import { renderPayload } from './services/webhook-payloads.ts';
import { announceStoredMessages, announcesFromTable, writeMessageDeliveries } from './services/message-announcements.ts';
import { unannounced } from './repos/message-cursor.ts';
import { TransactionBatcher } from './storage/batcher.ts';
import { type Database, openDatabase } from './storage/database.ts';
import { createTokenSigner } from './tokens.ts';
import { Dispatcher } from './webhooks/dispatcher.ts';
import { createSender } from './webhooks/send.ts';

export async function createDeps(
  config: Config,
  options: { clock?: Clock; logger?: FastifyBaseLogger; database?: Database; workers?: boolean; tracer?: Tracer } = {},
): Promise<Deps> {
  const { tracer } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const database =
    options.database ??
    (await openDatabase(config.databaseUrl, {
      sqliteSynchronous: config.sqliteSynchronous,
      sqliteBusyTimeout: config.sqliteBusyTimeout,
      sqliteStartupCheck: config.sqliteStartupCheck,
      poolSize: config.pgPoolSize,
      pgLimits: config.pgLimits,
      // A restart, a failover or a terminated backend: routine, and the pool replaces the connection.
      onConnectionLost: (err) => logger.warn({ err: { code: (err as { code?: unknown }).code, message: err.message } }, 'database connection lost'),
      // Not routine: every request touching the damaged pages fails until an operator restores the file.
      onDamaged: (reason) => logger.error({ reason }, 'database file damaged: /readyz answers 503 until the file is restored and Parley restarted'),
      tracer,
    }));
  let secrets: SigningSecrets;
  try {
    secrets = await loadSigningSecrets(database.db, {
      databaseUrl: config.databaseUrl,
      secret: config.ticketSecret,
      secretFile: config.ticketSecretFile,
      accepted: config.ticketSecretsAccepted,
    });
  } catch (err) {
    await database.close();
    throw err;
  }
  // Connects in the background: a start with Redis down proceeds degraded (src/redis.ts).
  // Redis and NATS clients are loaded only when configured.
  const link = config.redisUrl === undefined ? undefined : (await import('./redis.ts')).openRedis(config.redisUrl, config.redisTimeout, logger);
  const redis = link?.client;
  const limits = {
    perAddress: config.authFailuresPerAddress,
    perCredential: config.authFailuresPerCredential,
    windowMs: config.authFailureWindowSeconds * 1000,
  };
  const authCache = await createAuthCache({
    keyTtlMs: config.keyCacheTtl * 1000,
    // Sessions are cached only where every change reaches every node: one SQLite process, or Redis.
    sessionTtlMs: database.dialect === 'sqlite' || link !== undefined ? 60_000 : 0,
    now: () => clock.now(),
    redis: link,
    channel: `${config.redisPrefix}invalidate`,
    logger,
  });
  const metrics = createMetrics({ processMetrics: config.metrics });
  if (database.pool !== undefined) observePool(metrics, database.pool);
  // This node's id in the notes it sends, and in its Redis channel.
  const node = randomUUID();
  const publishFailed = (notes: number) => metrics.broker.publishErrors.inc({ broker: config.broker }, notes);
  const transport: Broker =
    config.broker === 'redis' && link !== undefined
      ? redisBroker(link, `${config.redisPrefix}chat`, logger, publishFailed, node)
      : config.broker === 'nats'
        ? await (await import('./chat/broker-nats.ts')).natsBroker(config.natsUrl, `${config.redisPrefix}chat`, logger, publishFailed, node)
        : localBroker();
  const broker = transport.name === 'none' ? transport : observedBroker(transport, metrics.broker, tracer);
  if (broker.name !== 'none') observeBrokerLink(metrics, broker.name, () => broker.connected());
  const chat: ChatRuntime = {
    hub: new Hub(broker, authCache, logger, node),
    users: new TtlCache(5_000, 100_000, () => clock.now()),
    rooms: new TtlCache(60_000, 100_000, () => clock.now()),
    cursorWrites: new Map(),
    limits: {
      content: config.messageMaxChars,
      frame: config.socketMaxFrame,
      listMax: 1000,
      roomListRooms: 1000,
      roomListUnreadPerRoom: 100,
      roomListChars: config.listMaxChars,
      socketsPerUser: config.socketsPerUser,
    },
  };
  const box = createSecretBox(secrets);
  // The S3 client is loaded only when a bucket is configured (it adds to every process's memory).
  const s3 = config.files.s3 === undefined ? undefined : (await import('./files/s3-store.ts')).s3Store(config.files.s3);
  let dispatcher: Dispatcher | undefined;
  const webhooks: WebhookRuntime = {
    endpoints: new TtlCache(5_000, 10_000, () => clock.now()),
    allowPrivate: config.webhooks.allowPrivate,
    box,
    wake: () => dispatcher?.wake(),
  };
  const fromTable = announcesFromTable(database);
  if (fromTable) webhooks.announceStoredMessages = (trx) => writeMessageDeliveries(trx, deps, Number.MAX_SAFE_INTEGER);
  const sharedGuard =
    redis === undefined
      ? undefined
      : redisAuthGuard(
          limits,
          redis,
          `${config.redisPrefix}authfail:`,
          () => clock.now(),
          (subject, ttlMs) => authCache.invalidate({ kind: 'limited', subject, ttlMs }),
        );
  const authGuard = sharedGuard ?? memoryAuthGuard(limits, () => clock.now());
  authCache.onInvalidate((m, local) => {
    if (m.kind === 'limited' && !local) sharedGuard?.noteLimited(m.subject, m.ttlMs);
    else if (m.kind === 'webhooks') webhooks.endpoints.delete(m.project);
    else if (m.kind === 'user') chat.users.delete(`${m.project}\0${m.id}`);
  });
  const deps: Deps = {
    db: database.db,
    dialect: database.dialect,
    dbHealth: database.health,
    readyTimeout: config.readyTimeout,
    clock,
    logger,
    signer: createTokenSigner(secrets),
    metrics,
    tracer,
    redis,
    authGuard,
    redisPrefix: config.redisPrefix,
    authCache,
    writes: new TransactionBatcher((work) => database.db.transaction().execute(work), database.dialect === 'sqlite', undefined, {
      onBatch: database.dialect === 'sqlite' ? observeWriteBatches(metrics, () => deps.writes.queued) : undefined,
      // A job runs in the batch's transaction, started from the first job's context: each keeps its own.
      bind: tracer === undefined ? undefined : (work) => context.bind(context.active(), work),
    }),
    sessionBatches: database.dialect === 'postgres' ? sessionBatches(database.db, observeSessionBatches(metrics)) : undefined,
    rateLimitPerMinute: config.rateLimitPerMinute,
    requestWindows: new Map(),
    keyUsageWrites: new Map(),
    ttl: { access: config.accessTokenTtl, refresh: config.refreshTokenTtl },
    chat,
    webhooks,
    demo: config.demo,
    schedulerInterval: config.schedulerInterval,
    assignInterval: config.assignInterval,
    retention: config.retention,
    userRates: {
      events: new TokenBuckets(config.socketEventRate, () => clock.now()),
      calls: new TokenBuckets(config.clientCallRate, () => clock.now()),
    },
    files: { store: s3 ?? localStore(config.files.dir), publicUrl: config.files.publicUrl },
    close: async () => {
      await dispatcher?.stop();
      await chat.hub.close();
      await authCache.close();
      await database.close();
      await link?.close();
      s3?.close();
    },
  };
  await chat.hub.start(
    {
      refill: (projectId, roomId, after, before) => refillTargets(deps, projectId, roomId, after, before),
      presence: (projectId, userId, online) => {
        announcePresence(deps, projectId, userId, online).catch((err: Error) => logger.warn({ err: { message: err.message } }, 'presence not announced'));
        // An agent coming online takes waiting cases; the round (services/case-backlog.ts) retries what fails here.
        if (online && options.workers !== false) {
          userCameOnline(deps, projectId, userId).catch((err: Error) => logger.warn({ err: { message: err.message } }, 'waiting cases not handed out'));
        }
      },
      roomChanged: (projectId, roomId) => chat.rooms.delete(`${projectId}\0${roomId}`),
      revokedSessions: (ids) => findSessionsRevoked(database.db, ids),
      revokedKeys: (ids) => findKeysRevoked(database.db, ids),
    },
    30_000,
    5_000,
    config.presenceInterval,
  );
  // Background work that must survive a crash is claimed from tables; short-lived CLI commands do none.
  if (options.workers !== false) {
    dispatcher = new Dispatcher({
      db: database.db,
      postgres: database.dialect === 'postgres',
      now: () => clock.now(),
      logger,
      metrics: deps.metrics,
      sender: createSender({ allowPrivate: config.webhooks.allowPrivate, timeoutMs: config.webhooks.timeoutMs }),
      box,
      schedule: { firstMs: config.webhooks.retryFirstMs, maxMs: config.webhooks.retryMaxMs, windowMs: config.webhooks.retryWindowMs },
      render: (payload) => renderPayload(deps, payload),
      ...(fromTable ? { announceMessages: (limit: number) => announceStoredMessages(deps, limit), unannounced: () => unannounced(database.db) } : {}),
      pollMs: 1000,
      claimMs: config.webhooks.timeoutMs * 3 + 5000,
      batch: 500,
    });
    dispatcher.start();
  }
  return deps;
}
