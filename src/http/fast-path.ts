// The hottest client call, `GET /connect?check=1` (every SDK runs it before each socket, and
// retries it every second while offline), answered before Fastify when everything it needs is in
// memory: a cached key, a token whose session state is cached, a credential not over its failure
// limit, request logging off. The caller's address plays no part: by the throttling rule
// (http/guard.ts) valid credentials are served whatever their source's failures. The answer is byte
// for byte what the Fastify route sends. Any other case — a cache miss, a bad credential, shutdown —
// goes through Fastify, which checks again and explains.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deps } from '../deps.ts';
import { ok } from '../errors.ts';
import { cachedClientAuth } from './client-auth.ts';
import { credentialSubject } from './guard.ts';

const BODY = JSON.stringify(ok({}));
const REQUEST_LOG_LEVELS = new Set(['info', 'debug', 'trace']);
const LENGTH = String(Buffer.byteLength(BODY));

export function connectCheckFastPath(deps: Deps, isClosing: () => boolean) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.url !== '/connect?check=1' || req.method !== 'GET' || isClosing()) return false;
    // Fastify logs each request at info; keep those logs whole.
    if (REQUEST_LOG_LEVELS.has(deps.logger.level)) return false;
    const started = process.hrtime.bigint();
    const appKey = req.headers['app-key'];
    const waits = deps.authGuard.waitsNow([credentialSubject([appKey, req.headers.authorization])]);
    if (waits[0] !== 0) return false;
    if (cachedClientAuth(deps, { key: appKey, authorization: req.headers.authorization }) === undefined) return false;
    res.writeHead(200, {
      'x-request-id': randomUUID(),
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'X-Request-Id',
      'content-type': 'application/json; charset=utf-8',
      'content-length': LENGTH,
    });
    res.end(BODY);
    deps.metrics.fastPath.inc();
    deps.metrics.requests.inc({ route: '/connect', method: 'GET', code: 'ok' });
    deps.metrics.duration.observe({ route: '/connect' }, Number(process.hrtime.bigint() - started) / 1e9);
    return true;
  };
}
