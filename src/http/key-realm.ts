// A server-to-server realm: every route in it is authenticated by one key header.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.ts';
import { type KeyAuth, authenticateKey, requireTier } from '../services/key-auth.ts';
import type { KeyType } from '../storage/schema.ts';
import { errorHandler } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    keyAuth: KeyAuth | null;
  }
}

export function keyAuthOf(request: { keyAuth: KeyAuth | null }): KeyAuth {
  if (request.keyAuth === null) throw new Error('route outside an authenticated realm');
  return request.keyAuth;
}

/** Installs the realm's single authenticating hook and its error handler (HTTP status = envelope status). */
export function useKeyRealm(app: FastifyInstance, deps: Deps, type: KeyType, options: { tierGated: boolean }): void {
  app.decorateRequest('keyAuth', null);
  app.setErrorHandler(errorHandler('status'));
  const header = type === 'server' ? 'server-key' : type === 'api' ? 'api-key' : 'app-key';
  app.addHook('onRequest', async (request) => {
    const auth = await authenticateKey(deps, type, request.headers[header]);
    if (options.tierGated) requireTier(auth);
    request.keyAuth = auth;
  });
}
