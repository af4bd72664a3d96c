// Builds the app. Never listens and never reads process.env, so a test can build one per database.
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { clientApi } from './api/client/index.ts';
import { opsApi } from './api/ops/index.ts';
import { onetalkApi } from './api/onetalk/index.ts';
import { serverApi } from './api/server/index.ts';
import { visitorApi } from './api/visitor/index.ts';
import type { Deps } from './deps.ts';
import { ApiError } from './errors.ts';
import { registerBodyParser } from './http/body.ts';
import { OPENAPI_DOCUMENT } from './http/openapi.ts';
import { errorHandler, sendError } from './http/errors.ts';

export interface ServerOptions {
  bodyLimit?: number;
  trustProxy?: boolean;
}

const ROUTES = new WeakMap<FastifyInstance, Array<{ method: string; url: string }>>();

/** Every route the app serves (for the OpenAPI completeness test and the security suite). */
export function listRoutes(app: FastifyInstance): Array<{ method: string; url: string }> {
  return ROUTES.get(app) ?? [];
}

export async function buildServer(deps: Deps, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: options.bodyLimit ?? 65536,
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Refused during shutdown by our own hook below, in the envelope.
    return503OnClosing: false,
    frameworkErrors: (err, request, reply) => {
      request.log.info({ err: { code: err.code, message: err.message } }, 'malformed request');
      sendError(reply, new ApiError('ParamValidationFailed', { message: 'Malformed request' }), 'status');
    },
  });
  const routes: Array<{ method: string; url: string }> = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, url: route.url });
  });
  app.setSerializerCompiler(() => JSON.stringify);
  // Route schemas document the API (/openapi.json); validation is ours, with the seeds' exact messages.
  app.setValidatorCompiler(() => () => true);
  await app.register(swagger, { openapi: OPENAPI_DOCUMENT });

  app.decorateRequest('outcome', '');
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.requests.inc({ route, method: request.method, code: request.outcome === '' ? 'ok' : request.outcome });
    deps.metrics.duration.observe({ route }, reply.elapsedTime / 1000);
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) return sendError(reply, new ApiError('ServiceUnavailable'), 'status');
  });

  // The SDKs run on the app's own origin and send custom headers, so every call is preflighted.
  // No cookies are involved, so any origin may call: the keys and tokens are the credentials.
  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: [
      'App-Key',
      'Authorization',
      'Device-Identifier',
      'Device-Model',
      'Device-Platform',
      'Device-OS-Version',
      'App-Identifier',
      'SDK-Version',
      'Secret-Key',
      'Content-Type',
    ],
    exposedHeaders: ['X-Request-Id'],
    maxAge: 600,
  });
  registerBodyParser(app);
  app.setErrorHandler(errorHandler('status'));
  app.setNotFoundHandler((_request, reply) => sendError(reply, new ApiError('RouteNotFound'), 'status'));

  await app.register(async (realm) => opsApi(realm, deps));
  await app.register(async (realm) => serverApi(realm, deps));
  await app.register(async (realm) => onetalkApi(realm, deps));
  await app.register(async (realm) => clientApi(realm, deps));
  await app.register(async (realm) => visitorApi(realm, deps));
  return app;
}
