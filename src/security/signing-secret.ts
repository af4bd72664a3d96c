// The HS256 secret that signs auth tickets and access tokens. It is never kept in the database: a
// copy of the database must not be enough to mint tokens. It comes from PARLEY_TICKET_SECRET, or from a
// file (PARLEY_TICKET_SECRET_FILE; by default `parley.secret` beside the SQLite file, or
// ./data/parley.secret with PostgreSQL) created on the first start with owner-only permissions.
//
// The database keeps only the secret's fingerprint (an HMAC of a fixed text under it, which signs
// nothing), so a node started with another secret refuses to serve instead of issuing tokens that the
// other nodes reject. Rotation: docs/security.md.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import { ConfigError } from '../config.ts';
import { newSecret } from '../credentials.ts';
import { deleteSetting, findSetting, getOrCreateSetting, setSetting } from '../repos/settings.ts';
import { type DatabaseTarget, parseDatabaseUrl } from '../storage/dialect.ts';
import type { DB } from '../storage/schema.ts';

export interface SigningSecrets {
  /** Signs new tokens. */
  current: string;
  /** Older (or upcoming) secrets whose tokens are still accepted, while rotating. */
  accepted: string[];
}

/** Where an older Parley kept the secret, in plain text. */
const LEGACY_SETTING = 'ticket_signing_secret';
const FINGERPRINT_SETTING = 'ticket_secret_fingerprint';

export function fingerprint(secret: string): string {
  return createHmac('sha256', secret).update('parley ticket secret fingerprint v1').digest('hex');
}

/** The default secret file: beside the SQLite database, or ./data/ for PostgreSQL; none for `:memory:`. */
export function defaultSecretFile(target: DatabaseTarget): string | undefined {
  if (target.dialect === 'postgres') return join('data', 'parley.secret');
  return target.path === ':memory:' ? undefined : join(dirname(target.path), 'parley.secret');
}

function readSecretFile(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError([`PARLEY_TICKET_SECRET_FILE: cannot read ${path}: ${(err as Error).message}`]);
  }
  const secret = text.trim();
  if (secret.length < 32) throw new ConfigError([`PARLEY_TICKET_SECRET_FILE: ${path} must hold a secret of at least 32 characters`]);
  return secret;
}

/** Writes a new secret file, unless another process just did: then its secret is the one. */
function createSecretFile(path: string, secret: string): string {
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readSecretFile(path) as string;
  }
}

export interface SecretOptions {
  databaseUrl: string;
  secret: string | undefined;
  secretFile: string | undefined;
  accepted: readonly string[];
}

/**
 * The secrets this node signs and verifies with. Moves a secret an older version kept in the database
 * into the secret file (so sessions survive the upgrade), and refuses (ConfigError) a secret whose
 * fingerprint is not the database's.
 */
export async function loadSigningSecrets(db: Kysely<DB>, options: SecretOptions): Promise<SigningSecrets> {
  const legacy = await findSetting(db, LEGACY_SETTING);
  const file = options.secretFile ?? defaultSecretFile(parseDatabaseUrl(options.databaseUrl));
  let current = options.secret ?? (file === undefined ? undefined : readSecretFile(file));
  if (current === undefined) {
    const fresh = legacy ?? newSecret();
    current = file === undefined ? fresh : createSecretFile(file, fresh);
  }
  const accepted = options.accepted.filter((s) => s !== current);
  const stored = await getOrCreateSetting(db, FINGERPRINT_SETTING, () => fingerprint(current));
  const matches = (secret: string) => timingSafeEqual(Buffer.from(fingerprint(secret)), Buffer.from(stored.padEnd(64).slice(0, 64)));
  if (!matches(current)) {
    if (!accepted.some(matches)) {
      throw new ConfigError([
        `PARLEY_TICKET_SECRET: this node's signing secret${options.secret === undefined && file !== undefined ? ` (${file})` : ''} is not the one this database was set up with. ` +
          'Give every node the same secret (copy the secret file of the first node, or set PARLEY_TICKET_SECRET on each); to rotate it, see docs/security.md.',
      ]);
    }
    // A rotation: this node signs with the new secret and the old one is still accepted.
    await setSetting(db, FINGERPRINT_SETTING, fingerprint(current));
  }
  if (legacy !== undefined) await deleteSetting(db, LEGACY_SETTING);
  return { current, accepted };
}
