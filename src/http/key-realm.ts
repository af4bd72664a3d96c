// A server-to-server realm: every route in it is authenticated by one key header.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.ts';
import { KEY_HEADER, type KeyAuth, authenticateKey, requireTier } from '../services/key-auth.ts';
import type { KeyType } from '../storage/schema.ts';
import { guardCredentials, limitRequestRate } from './guard.ts';

declare module 'fastify' {
  interface FastifyRequest {
    keyAuth: KeyAuth | null;
  }
}

export function keyAuthOf(request: { keyAuth: KeyAuth | null }): KeyAuth {
  if (request.keyAuth === null) throw new Error('route outside an authenticated realm');
  return request.keyAuth;
}

/** Node lower-cases incoming header names. */
const headerOf = (type: KeyType) => KEY_HEADER[type].toLowerCase();

/**
 * Installs the realm's single authenticating hook, brute-force protection, the per-key rate limit and
 * its error handler (HTTP status = envelope status).
 */
export async function useKeyRealm(app: FastifyInstance, deps: Deps, type: KeyType, options: { tierGated: boolean }): Promise<void> {
  app.decorateRequest('keyAuth', null);
  guardCredentials(app, deps, (request) => [request.headers[headerOf(type)]], 'status');
  app.addHook('onRequest', async (request) => {
    const auth = await authenticateKey(deps, type, request.headers[headerOf(type)]);
    if (options.tierGated) requireTier(auth);
    request.keyAuth = auth;
  });
  await limitRequestRate(app, deps, (request) => request.keyAuth?.keyId ?? `ip:${request.ip}`);
}
