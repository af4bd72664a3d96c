// A client realm: calls from TapTalk's SDKs. HTTP 200 for every outcome (the SDKs ignore other
// statuses), the app's key on every call, and an access token unless the route says otherwise.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { type ClientRealm, authenticateClient } from './client-auth.ts';
import { guardCredentials, limitUserCalls } from './guard.ts';
import './request-auth.ts';

/** What a client route needs in `Authorization`: an access token (default) or nothing we check here. */
export type BearerKind = 'access' | 'own';

declare module 'fastify' {
  interface FastifyContextConfig {
    bearer?: BearerKind;
    /** false: not counted against the user's call rate. */
    userRate?: boolean;
  }
}

export function useClientRealm(app: FastifyInstance, deps: Deps, realm: ClientRealm): void {
  app.decorateRequest('auth', null);
  const presented = (request: FastifyRequest) => ({ key: request.headers[realm.keyHeader], authorization: request.headers.authorization });
  // The key and the token together are the credential: the key alone is public (it ships in the app).
  guardCredentials(app, deps, (request) => [request.headers[realm.keyHeader], request.headers.authorization], 'ok');
  app.addHook('onRequest', async (request) => {
    const needs = (request.routeOptions.config.bearer ?? 'access') === 'access' ? 'required' : 'none';
    const { key, session } = await authenticateClient(deps, realm, presented(request), needs);
    request.auth = { realm: 'client', key, session };
  });
  limitUserCalls(app, deps, realm.kind);
}

export function deviceInfo(request: { headers: Record<string, string | string[] | undefined> }) {
  const header = (name: string) => {
    const v = request.headers[name];
    return typeof v === 'string' && v !== '' ? v.slice(0, 255) : null;
  };
  return { deviceId: header('device-identifier'), platform: header('device-platform') };
}
