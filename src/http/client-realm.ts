// A client realm: calls from TapTalk's SDKs. HTTP 200 for every outcome (the SDKs ignore other
// statuses), the app's key on every call, and an access token unless the route says otherwise.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { authenticateAppSecret, authenticateKey } from '../services/key-auth.ts';
import { type AccessAuth, authenticateAccess, bearerToken } from '../services/sessions.ts';
import type { SessionKind } from '../storage/schema.ts';
import { guardCredentials, limitUserCalls } from './guard.ts';

/** What a client route needs in `Authorization`: an access token (default) or nothing we check here. */
export type BearerKind = 'access' | 'own';

declare module 'fastify' {
  interface FastifyRequest {
    clientProject: string | null;
    clientAuth: AccessAuth | null;
  }
  interface FastifyContextConfig {
    bearer?: BearerKind;
    /** false: not counted against the user's call rate. */
    userRate?: boolean;
  }
}

export function clientAuthOf(request: FastifyRequest): AccessAuth {
  if (request.clientAuth === null) throw new Error('route without access-token authentication');
  return request.clientAuth;
}

/** The PowerTalk user a client call acts as (chat endpoints). */
export function chatActorOf(request: FastifyRequest): { projectId: string; userId: number } {
  const auth = clientAuthOf(request);
  return { projectId: auth.projectId, userId: Number(auth.subject) };
}

export function clientProjectOf(request: FastifyRequest): string {
  if (request.clientProject === null) throw new Error('route outside a client realm');
  return request.clientProject;
}

/**
 * `app-key`: PowerTalk's `App-Key: base64(id:secret)`. `secret-key`: OneTalk Live Chat's `Secret-Key`,
 * the app key's secret alone.
 */
export function useClientRealm(app: FastifyInstance, deps: Deps, kind: SessionKind, appKey: 'app-key' | 'secret-key'): void {
  app.decorateRequest('clientProject', null);
  app.decorateRequest('clientAuth', null);
  // The key and the token together are the credential: the key alone is public (it ships in the app).
  guardCredentials(app, deps, (request) => [request.headers[appKey], request.headers.authorization], 'ok');
  app.addHook('onRequest', async (request) => {
    const key =
      appKey === 'app-key'
        ? await authenticateKey(deps, 'app', request.headers['app-key'])
        : await authenticateAppSecret(deps, request.headers['secret-key']);
    request.clientProject = key.projectId;
    if ((request.routeOptions.config.bearer ?? 'access') === 'access') {
      request.clientAuth = await authenticateAccess(deps, kind, key.projectId, bearerToken(request.headers.authorization));
    }
  });
  limitUserCalls(app, deps, kind);
}

export function deviceInfo(request: FastifyRequest) {
  const header = (name: string) => {
    const v = request.headers[name];
    return typeof v === 'string' && v !== '' ? v.slice(0, 255) : null;
  };
  return { deviceId: header('device-identifier'), platform: header('device-platform') };
}
