import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import { newSecret } from './credentials.ts';
import { createLogger } from './logging.ts';
import { getOrCreateSetting } from './repos/settings.ts';
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
  const database =
    options.database ??
    (await openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous, poolSize: config.pgPoolSize }));
  const secret = config.ticketSecret ?? (await getOrCreateSetting(database.db, 'ticket_signing_secret', newSecret));
  return {
    db: database.db,
    dialect: database.dialect,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? createLogger(config.logLevel),
    signer: createTokenSigner(secret),
    keyUsageWrites: new Map(),
    ttl: { access: config.accessTokenTtl, refresh: config.refreshTokenTtl },
    close: () => database.close(),
  };
}
