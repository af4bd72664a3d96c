// Builds the app. Never listens and never reads process.env, so a test can build one per database.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { clientApi } from './api/client/index.ts';
import { demoApi } from './api/demo/index.ts';
import { inboxApi } from './api/inbox/index.ts';
import { inboxPageApi } from './api/inbox-page/index.ts';
import { opsApi } from './api/ops/index.ts';
import { publicApi } from './api/public/index.ts';
import { onetalkApi } from './api/onetalk/index.ts';
import { serverApi } from './api/server/index.ts';
import { visitorApi } from './api/visitor/index.ts';
import type { TrustProxy } from './config-parts.ts';
import type { Deps } from './deps.ts';
import { ApiError, failure } from './errors.ts';
import { registerBodyParser } from './http/body.ts';
import { clientAddress, proxyTrust } from './http/client-address.ts';
import { OPENAPI_DOCUMENT } from './http/openapi.ts';
import { errorHandler, sendError } from './http/errors.ts';
import { type FastPath, connectCheckFastPath } from './http/fast-path.ts';
import { authTicketFastPath } from './api/server/auth-ticket.fast.ts';
import { accessTokenFastPath, refreshFastPath } from './api/client/auth.access-token.fast.ts';
import { limitConnections } from './http/connections.ts';
import { clientErrorHandler, trackInFlight } from './http/transport.ts';
import { startCaseBacklog } from './services/case-backlog.ts';
import { startFileSweeper } from './services/files.ts';
import { startRetention } from './services/retention.ts';
import type { Rounds } from './services/rounds.ts';
import { startScheduler } from './services/scheduler.ts';
import { traceRequests } from './tracing/http.ts';

export interface ServerOptions {
  bodyLimit?: number;
  /** The proxies whose X-Forwarded-For is believed (http/client-address.ts); none by default. */
  trustProxy?: TrustProxy;
  /** Milliseconds a client has to send a whole request (slow clients are cut off with 408). */
  requestTimeout?: number;
  /** Connections at once (none when unset: tests); see http/connections.ts. */
  maxConnections?: number;
  /** Connections at once per client address; 0 or unset = no cap. Trusted proxies are exempt. */
  maxConnectionsPerAddress?: number;
  /** Where the built demo page is (dist/demo/public/ by default); only read when the demo is on. */
  demoAssets?: string;
  /** Where the built inbox page is (dist/inbox/public/ by default). */
  inboxAssets?: string;
}

/** Where TapTalk's client SDKs call (PowerTalk chat and auth, OneTalk Live Chat). */
const CLIENT_PREFIXES = ['/v1/client/', '/v1/chat/', '/v1/auth/', '/api/visitor/'];

function isClientPath(url: string): boolean {
  return CLIENT_PREFIXES.some((prefix) => url.startsWith(prefix));
}

const ROUTES = new WeakMap<FastifyInstance, Array<{ method: string; url: string }>>();

/** Every route the app serves (for the OpenAPI completeness test and the security suite). */
export function listRoutes(app: FastifyInstance): Array<{ method: string; url: string }> {
  return ROUTES.get(app) ?? [];
}

export async function buildServer(deps: Deps, options: ServerOptions = {}): Promise<FastifyInstance> {
  const fastPaths: FastPath[] = [];
  const bodyLimit = options.bodyLimit ?? 65536;
  // One trust function for request.ip and for socket upgrades, which Fastify never sees.
  const trust = proxyTrust(options.trustProxy ?? false);
  // Only with tracing on is the handler wrapped: off, a request costs what it did.
  const tracing = deps.tracer === undefined ? undefined : traceRequests(deps.tracer);
  const app = Fastify({
    // Fastify's own server, with the hot routes answered before routing (http/fast-path.ts).
    serverFactory: (handler, fastifyOptions) => {
      // What Fastify itself would set on the server it creates.
      const o = fastifyOptions as { http?: http.ServerOptions; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number };
      // Node checks request deadlines (also of connections that never sent a byte) every 30 s by
      // default, which lets a silent connection hold its descriptor for twice the deadline: check often.
      const checkEvery = Math.min(5000, Math.max(250, Math.floor(o.requestTimeout / 10)));
      const routed = tracing === undefined ? handler : tracing.wrap(handler);
      const server = http.createServer({ ...o.http, connectionsCheckingInterval: checkEvery }, (req, res) => {
        for (const fast of fastPaths) if (fast(req, res, routed)) return;
        routed(req, res);
      });
      server.keepAliveTimeout = o.keepAliveTimeout;
      server.requestTimeout = o.requestTimeout;
      // Node's default (60 s) would outlast the request deadline: the whole request gets one deadline.
      server.headersTimeout = o.requestTimeout;
      // Idle sockets (a response the client never reads, a stuck handler) are closed too; upgraded
      // sockets are not (ws clears the timeout: the hub's heartbeat watches them).
      server.setTimeout(o.connectionTimeout);
      if (options.maxConnections !== undefined) {
        // A trusted proxy (every peer, when trusted by hop count) carries many clients: no per-address cap.
        const exempt = (address: string) => trust?.(address, 0) === true;
        const limits = { max: options.maxConnections, perAddress: options.maxConnectionsPerAddress ?? 0, exempt };
        limitConnections(server, limits, (reason) => deps.metrics.connectionsRefused.inc({ reason }));
      }
      return server;
    },
    loggerInstance: deps.logger,
    bodyLimit,
    trustProxy: trust ?? false,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Refused during shutdown by our own hook below, in the envelope.
    return503OnClosing: false,
    requestTimeout: options.requestTimeout ?? 30_000,
    // Twice the request deadline: an incomplete request gets its 408 from the deadline first.
    connectionTimeout: 2 * (options.requestTimeout ?? 30_000),
    // An HTTP/1.1 request without Host is still answered (with the envelope), not dropped by Node.
    http: { requireHostHeader: false },
    clientErrorHandler,
    frameworkErrors: (err, request, reply) => {
      // The framework's message may quote the URL, credentials and all: only its code is logged.
      request.log.info({ err: { code: err.code } }, 'malformed request');
      sendError(reply, new ApiError('ParamValidationFailed', { message: 'Malformed request' }), 'status');
    },
  });
  // Node answers an unknown Expect with an empty 417 unless someone listens: answer in the envelope.
  app.server.on('checkExpectation', (_req, res) => {
    const body = JSON.stringify(failure(new ApiError('ParamValidationFailed', { message: 'Unsupported Expect header' })));
    res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
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
  tracing?.hooks(app);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.requests.inc({ route, method: request.method, code: request.outcome === '' ? 'ok' : request.outcome });
    deps.metrics.duration.observe({ route }, reply.elapsedTime / 1000);
  });

  let closing = false;
  const inFlight = trackInFlight(app, () => closing);
  app.addHook('preClose', async () => {
    closing = true;
  });
  const fastContext = { isClosing: () => closing, hold: inFlight.hold };
  fastPaths.push(
    connectCheckFastPath(deps, fastContext),
    authTicketFastPath(deps, fastContext, bodyLimit),
    accessTokenFastPath(deps, fastContext, bodyLimit),
    refreshFastPath(deps, fastContext, bodyLimit),
  );
  // The listener is closed by now; let handlers still at work finish before the database goes away.
  app.addHook('onClose', async () => inFlight.drained(10_000));
  // Scheduled messages are sent by every process that serves (a built app that never listens sends none).
  // So is retention (services/retention.ts), one node at a time, the sweep of orphaned file bytes, and
  // the round that hands waiting Live Chat cases to online agents (services/case-backlog.ts).
  let scheduler: Rounds | undefined;
  let sweeper: Rounds | undefined;
  let retention: Rounds | undefined;
  let backlog: Rounds | undefined;
  app.addHook('onListen', async () => {
    scheduler ??= startScheduler(deps, deps.schedulerInterval);
    retention ??= startRetention(deps, deps.retention);
    sweeper ??= startFileSweeper(deps);
    backlog ??= startCaseBacklog(deps, deps.assignInterval);
  });
  app.addHook('onClose', async () => {
    await backlog?.stop();
    await sweeper?.stop();
    await scheduler?.stop();
    await retention?.stop();
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) return sendError(reply, new ApiError('ServiceUnavailable'), 'status');
  });

  // The SDKs run on the app's own origin and send custom headers, so every call is preflighted.
  // No cookies are involved, so any origin may call: the keys and tokens are the credentials.
  await app.register(cors, {
    origin: '*',
    // A bare OPTIONS (no preflight headers) gets the same 204 instead of a plain-text 400.
    strictPreflight: false,
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
  // The SDKs act only on HTTP 200: a client path we do not serve must still reach the app's onError.
  app.setNotFoundHandler((request, reply) => sendError(reply, new ApiError('RouteNotFound'), isClientPath(request.url) ? 'ok' : 'status'));

  await app.register(async (realm) => opsApi(realm, deps));
  await app.register(async (realm) => serverApi(realm, deps));
  await app.register(async (realm) => onetalkApi(realm, deps));
  await app.register(async (realm) => clientApi(realm, deps, (req) => clientAddress(req, trust)));
  await app.register(async (realm) => visitorApi(realm, deps));
  await app.register(async (realm) => publicApi(realm, deps));
  await app.register(async (realm) => inboxApi(realm, deps));
  await app.register(async (realm) => inboxPageApi(realm, options.inboxAssets));
  if (deps.demo) await app.register(async (realm) => demoApi(realm, deps, options.demoAssets));
  return app;
}
