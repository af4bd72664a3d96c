// What every service gets: the Deps type, built once by the composition root (compose.ts) or by a
// test. Types only, so services can name it without importing the code that builds it.
import type { Tracer } from '@opentelemetry/api';
import type { RetentionSettings } from './config.ts';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Kysely, Transaction } from 'kysely';
import type { Hub } from './chat/hub.ts';
import type { FileStore } from './files/store.ts';
import type { RequestWindows } from './http/request-windows.ts';
import type { Metrics } from './metrics.ts';
import type { RoomState } from './repos/rooms.ts';
import type { SessionBatches } from './repos/session-batches.ts';
import type { WebhookEndpoint } from './repos/webhooks.ts';
import type { AuthCache } from './security/auth-cache.ts';
import type { AuthGuard } from './security/auth-guard.ts';
import type { SecretBox } from './security/secret-box.ts';
import type { TokenBuckets } from './security/token-bucket.ts';
import type { TtlCache } from './security/ttl-cache.ts';
import type { ClientUser } from './services/user-view.ts';
import type { TransactionBatcher } from './storage/batcher.ts';
import type { DatabaseHealth } from './storage/database.ts';
import type { DialectName } from './storage/dialect.ts';
import type { DB, KeyType } from './storage/schema.ts';
import type { TokenSigner } from './tokens.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Everything a service needs, built once by the composition root (or by a test). */
export interface Deps {
  db: Kysely<DB>;
  dialect: DialectName;
  /** What is known about the database beyond one query (a damaged SQLite file). */
  dbHealth: DatabaseHealth;
  /** Milliseconds /readyz waits for the database. */
  readyTimeout: number;
  clock: Clock;
  logger: FastifyBaseLogger;
  signer: TokenSigner;
  metrics: Metrics;
  /** Tracing on: the seams make spans through it (server.ts, the database, the broker). Off: undefined, no seam instrumented. */
  tracer: Tracer | undefined;
  /** Shared counters across nodes, when configured: every command has a deadline and a fallback. */
  redis: Redis | undefined;
  redisPrefix: string;
  authGuard: AuthGuard;
  authCache: AuthCache;
  /** Requests per minute per key on the server and integration APIs; 0 = off. */
  rateLimitPerMinute: number;
  /** That limit's counts per key realm, where this process keeps them (no Redis): http/request-windows.ts. */
  requestWindows: Map<KeyType, RequestWindows>;
  /**
   * Transactions that many requests run at once (new users, chat messages): on SQLite the jobs of one
   * event-loop turn share one transaction, one commit; on PostgreSQL each runs in its own.
   */
  writes: TransactionBatcher<Transaction<DB>>;
  /** PostgreSQL: each turn's ticket redemptions and refreshes, one multi-row statement each (repos/session-batches.ts); undefined on SQLite. */
  sessionBatches: SessionBatches | undefined;
  /** When each key's last_used_at was last written by this process (writes are throttled). */
  keyUsageWrites: Map<string, number>;
  /** Token lifetimes in seconds. */
  ttl: { access: number; refresh: number };
  chat: ChatRuntime;
  /** The demo page and its ticket route are served. */
  demo: boolean;
  webhooks: WebhookRuntime;
  /** Milliseconds between looks for due scheduled messages while serving (services/scheduler.ts); 0: none. */
  schedulerInterval: number;
  /** Milliseconds between rounds handing waiting Live Chat cases to online agents (services/case-backlog.ts); 0: none. */
  assignInterval: number;
  /** Deleting what expired while serving (services/retention.ts). */
  retention: RetentionSettings;
  /** Per-user rates in this process: socket events and client API calls. */
  userRates: { events: TokenBuckets; calls: TokenBuckets };
  /** Uploaded files: where their bytes are, and the base of their links (from the request when unset). */
  files: { store: FileStore; publicUrl: string | undefined };
  close(): Promise<void>;
}

export interface WebhookRuntime {
  /** Each project's live endpoints, cached a few seconds; changes drop the entry on every node. */
  endpoints: TtlCache<string, WebhookEndpoint[]>;
  /** Endpoint URLs may be loopback or private addresses (local use). */
  allowPrivate: boolean;
  /** Opens and seals endpoint secrets. */
  box: SecretBox;
  /** Asks this node's dispatcher to look for due deliveries now. */
  wake(): void;
  /**
   * SQLite: writes the deliveries of every message not yet announced from the messages table, in `trx`
   * (services/message-announcements.ts); undefined where each message is announced in its transaction.
   */
  announceStoredMessages?: (trx: Kysely<DB>) => Promise<unknown>;
}

export interface ChatRuntime {
  hub: Hub;
  /** Client user objects, cached for a few seconds (senders and personal-room names in deliveries). */
  users: TtlCache<string, ClientUser>;
  /** Room details and members; changes are announced to every node through the hub. */
  rooms: TtlCache<string, RoomState>;
  /** Sync-cursor writes in progress, by session (a session's next list waits for its last write). */
  cursorWrites: Map<string, Promise<void>>;
  limits: {
    content: number;
    frame: number;
    listMax: number;
    /** Rooms in room_list_and_unread (the most recently active). */
    roomListRooms: number;
    /** Unread messages per room in room_list_and_unread (the SDK counts them: the badge stops there). */
    roomListUnreadPerRoom: number;
    /** Characters of message content in one list answer (room_list_and_unread, new_and_updated). */
    roomListChars: number;
    socketsPerUser: number;
  };
}
