// A server-to-server realm: every route in it is authenticated by one key header.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { KEY_HEADER, type KeyAuth, authenticateKey, parseKeyHeader, requireTier } from '../services/key-auth.ts';
import type { KeyType } from '../storage/schema.ts';
import { errorHandler } from './errors.ts';
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

/** The key id a header names, unverified: used only to count failures against it. */
function claimedKeyId(type: KeyType, value: unknown): string | undefined {
  return parseKeyHeader(type, value)?.id;
}

/** Whom failures count against: the client address, and the key id the credential names. */
export function credentialSubjects(type: KeyType, credential: unknown, ip: string): string[] {
  const id = claimedKeyId(type, credential);
  return id === undefined ? [`ip:${ip}`] : [`ip:${ip}`, `key:${id}`];
}

export function keySubjects(type: KeyType) {
  return (request: FastifyRequest): string[] => credentialSubjects(type, request.headers[headerOf(type)], request.ip);
}

/**
 * Installs the realm's single authenticating hook, brute-force protection, the per-key rate limit and
 * its error handler (HTTP status = envelope status).
 */
export async function useKeyRealm(app: FastifyInstance, deps: Deps, type: KeyType, options: { tierGated: boolean }): Promise<void> {
  app.decorateRequest('keyAuth', null);
  app.setErrorHandler(errorHandler('status'));
  guardCredentials(app, deps, keySubjects(type));
  app.addHook('onRequest', async (request) => {
    const auth = await authenticateKey(deps, type, request.headers[headerOf(type)]);
    if (options.tierGated) requireTier(auth);
    request.keyAuth = auth;
  });
  await limitRequestRate(app, deps, (request) => request.keyAuth?.keyId ?? `ip:${request.ip}`);
}
