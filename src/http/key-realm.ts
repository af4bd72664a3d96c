// A server-to-server realm: every route in it is authenticated by one key header.
import type { FastifyInstance } from 'fastify';
import { KEY_HEADER } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import { authenticateKey, requireTier } from '../services/key-auth.ts';
import type { KeyType } from '../storage/schema.ts';
import { keyFromHeader } from './credential-headers.ts';
import { guardCredentials, limitRequestRate } from './guard.ts';
import { useIdempotencyKeys } from './idempotency.ts';
import './request-auth.ts';

/** Node lower-cases incoming header names. */
const headerOf = (type: KeyType) => KEY_HEADER[type].toLowerCase();

/**
 * Installs the realm's single authenticating hook, brute-force protection, the per-key rate limit and
 * its error handler (HTTP status = envelope status).
 */
export async function useKeyRealm(app: FastifyInstance, deps: Deps, type: KeyType, options: { tierGated: boolean }): Promise<void> {
  app.decorateRequest('auth', null);
  guardCredentials(app, deps, (request) => [request.headers[headerOf(type)]], 'status');
  app.addHook('onRequest', async (request) => {
    const key = await authenticateKey(deps, type, keyFromHeader(type, request.headers[headerOf(type)]));
    if (options.tierGated) requireTier(key);
    request.auth = { realm: 'key', key };
  });
  await limitRequestRate(app, deps, type, (request) => (request.auth?.realm === 'key' ? request.auth.key.keyId : `ip:${request.ip}`));
  useIdempotencyKeys(app, deps);
}
