// The hottest calls, answered before Fastify when everything they need is in memory and nothing a
// Fastify hook does per request is switched on (request logging, tracing). The answer is byte for
// byte what the route sends. Any other case — a cache miss, a bad credential, shutdown — goes through
// Fastify, which checks again and explains.
//
// - `GET /connect?check=1`: every SDK runs it before each socket, and retries it every second while
//   offline. The caller's address plays no part: by the throttling rule (http/guard.ts) valid
//   credentials are served whatever their source's failures.
// - POSTs with a JSON body (postFastPath): the body is read here; a request the fast path does not
//   answer goes to its route with the body it read (the route's preParsing hook replays it). Its
//   answer may wait for a write (`Later`): shutdown waits for that as for a routed handler.
//
// Answers ready as their requests are read are written together at the turn's end (atTurnEnd).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { ok } from '../errors.ts';
import { parseJsonBody } from './body.ts';
import { cachedClientAuth } from './client-auth.ts';
import { credentialOverLimit } from './guard.ts';

export type Routed = (req: IncomingMessage, res: ServerResponse) => void;
/** True when it took the request: it answered it, or will hand it to `routed` itself. */
export type FastPath = (req: IncomingMessage, res: ServerResponse, routed: Routed) => boolean;

/** What the server tells its fast paths: whether it is shutting down, and how to hold the shutdown for an answer still at work. */
export interface FastPathContext {
  isClosing(): boolean;
  /** Counts work in flight as a routed request is counted (http/transport.ts); call the release when answered. */
  hold(): () => void;
}

const REQUEST_LOG_LEVELS = new Set(['info', 'debug', 'trace']);

/** Fastify logs each request at info, and a trace wraps the routed handler: keep both whole. */
const servable = (deps: Deps, ctx: FastPathContext) => !ctx.isClosing() && !REQUEST_LOG_LEVELS.has(deps.logger.level) && deps.tracer === undefined;

type Counted = (started: bigint) => void;

/** What an answer of `route` counts as the route's hook counts it (server.ts), and that it came before routing: tallies bound once (metrics.ts). */
function counted(deps: Deps, route: string, method: string): Counted {
  const fastPath = deps.metrics.fastPath.tally({ route });
  const request = deps.metrics.requests.tally({ route, method, code: 'ok' });
  const duration = deps.metrics.duration.tally({ route });
  return (started) => {
    fastPath();
    request();
    duration(Number(process.hrtime.bigint() - started) / 1e9);
  };
}

// JSON.stringify(ok(data)) up to its data, written once.
const OK_HEAD = JSON.stringify(ok(0)).slice(0, -2);

/** 200 with `ok(data)` and the headers every route's answer carries (server.ts: request id, CORS). */
function answerOf(
  deps: Deps,
  req: IncomingMessage,
  res: ServerResponse,
  count: Counted,
  started: bigint,
  data: object,
  headers?: Headers,
  close = false,
): Answer {
  const body = `${OK_HEAD}${JSON.stringify(data)}}`;
  // Names and values in one flat list: the least work for Node's writeHead.
  const head = [
    // Fastify's rule (requestIdHeader): the caller's id when it sent one.
    'x-request-id',
    req.headers['x-request-id'] || randomUUID(),
    'access-control-allow-origin',
    '*',
    'access-control-expose-headers',
    'X-Request-Id',
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
  ];
  if (headers !== undefined) for (const name in headers) head.push(name, String(headers[name]));
  // Answered while the server drains (a write that was under way): as the routes do, the client is told to reconnect.
  if (close) head.push('connection', 'close');
  return { deps, res, head, body, count, started };
}

interface Answer {
  deps: Deps;
  res: ServerResponse;
  head: OutgoingHttpHeader[];
  body: string;
  count: Counted;
  started: bigint;
}

function write(a: Answer): void {
  try {
    // The client left meanwhile: Node has closed the socket, there is no one to answer.
    if (!a.res.destroyed) {
      a.res.writeHead(200, a.head);
      a.res.end(a.body);
    }
    a.count(a.started);
  } catch (err) {
    // Nothing left to say to this client.
    a.deps.logger.error({ err }, 'answer before routing failed');
    a.res.destroy();
  }
}

/** Answers ready in this turn, not yet written. */
let turn: Answer[] = [];

/**
 * An answer ready as its request is read is written at the end of the turn, with the turn's others, in
 * the check phase that follows the poll phase that read them. A client waits for its answer asleep on
 * its socket, and an answer written to a sleeping client wakes it on its core: written one by one as
 * each was ready, nearly every answer woke one of the bench's wrk threads (0.95 wake-ups an answer, 44
 * answers a turn), and the wake-ups cost the writing process more than its own work; written together, a
 * thread woken by the first answer finds the rest waiting (docs/performance.md, "2026-12-06, sixth
 * session"). An answer waits for at most the rest of its turn. Answers that wait for a write (`Later`)
 * need none of this: those of one commit are ready, and written, together.
 */
function atTurnEnd(a: Answer): void {
  if (turn.length === 0) setImmediate(writeTurn);
  turn.push(a);
}

function writeTurn(): void {
  const answers = turn;
  turn = [];
  for (const a of answers) write(a);
}

export function connectCheckFastPath(deps: Deps, ctx: FastPathContext): FastPath {
  const count = counted(deps, '/connect', 'GET');
  return (req, res) => {
    if (req.url !== '/connect?check=1' || req.method !== 'GET' || !servable(deps, ctx)) return false;
    const started = process.hrtime.bigint();
    const appKey = req.headers['app-key'];
    if (credentialOverLimit(deps, [appKey, req.headers.authorization])) return false;
    if (cachedClientAuth(deps, { key: appKey, authorization: req.headers.authorization }, req.socket) === undefined) return false;
    atTurnEnd(answerOf(deps, req, res, count, started, {}));
    return true;
  };
}

const PRE_READ: unique symbol = Symbol('body read before routing');
type PreRead = IncomingMessage & { [PRE_READ]?: Buffer };

/** A POST route's preParsing hook: the body its fast path read, as the payload Fastify parses. */
export async function replayBody(request: FastifyRequest, _reply: FastifyReply, payload: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream> {
  const body = (request.raw as PreRead)[PRE_READ];
  return body === undefined ? payload : Readable.from([body], { objectMode: false });
}

type Headers = Record<string, string | number>;

/**
 * An answer that waits for work (a write), started only once the call is counted. When the work fails,
 * the call goes to its route, which either does it again and explains (`retry`: work that wrote nothing
 * when it failed, or a database fault), or answers that very failure as its own (`answer`: work that
 * must not be done twice, as a refresh token presented again revokes its session; the route calls
 * `failedBeforeRouting` first).
 */
export class Later {
  constructor(
    readonly run: () => Promise<object>,
    readonly onFailure: 'retry' | 'answer' = 'retry',
  ) {}
}

const FAILED: unique symbol = Symbol('work failed before routing');
type Failed = IncomingMessage & { [FAILED]?: { error: unknown } };

/** For a route whose fast path's work is `Later(…, 'answer')`: throws the failure that work met, to be answered as the route answers its own. */
export function failedBeforeRouting(request: FastifyRequest): void {
  const failed = (request.raw as Failed)[FAILED];
  if (failed !== undefined) throw failed.error;
}

export interface PostFastPath<C> {
  /** From the headers alone: what `data` needs (the authenticated caller, say), or undefined for the route. */
  admit(req: IncomingMessage): C | undefined;
  /** The answer's data for the parsed body (now, or `Later`), or undefined for the route. May throw: the route then explains. */
  data(admitted: C, body: unknown): object | undefined;
  /**
   * Last, once the answer is ready: counts it where the route's hooks would (a rate limit) and gives
   * the headers they would add, or undefined when the route must answer instead (over the limit).
   */
  count?(admitted: C): Headers | undefined;
}

/**
 * A POST to `route` answered before routing. Only a body of a stated length within the limit (or none)
 * is read here (a chunked or oversized one goes to the route unread, which refuses it as it always does).
 */
export function postFastPath<C>(deps: Deps, ctx: FastPathContext, route: string, bodyLimit: number, handler: PostFastPath<C>): FastPath {
  const count = counted(deps, route, 'POST');
  return (req, res, routed) => {
    if (req.url !== route || req.method !== 'POST' || !servable(deps, ctx)) return false;
    // No Content-Length and no Transfer-Encoding: an empty body, as Node reads it.
    const length = Number(req.headers['content-length'] ?? 0);
    if (!(length >= 0 && length <= bodyLimit) || req.headers['transfer-encoding'] !== undefined) return false;
    const started = process.hrtime.bigint();
    const admitted = handler.admit(req);
    if (admitted === undefined) return false;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The client went away mid-body: there is no one to answer (Node closes the socket).
    req.on('error', () => {});
    req.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const data = servable(deps, ctx) ? dataOf(handler, admitted, body) : undefined;
      const headers = data === undefined ? undefined : handler.count === undefined ? {} : handler.count(admitted);
      const toRoute = () => {
        (req as PreRead)[PRE_READ] = body;
        routed(req, res);
      };
      if (data === undefined || headers === undefined) return toRoute();
      if (!(data instanceof Later)) return atTurnEnd(answerOf(deps, req, res, count, started, data, headers));
      const release = ctx.hold();
      data
        .run()
        .then(
          (later) => write(answerOf(deps, req, res, count, started, later, headers, ctx.isClosing())),
          (error: unknown) => {
            if (data.onFailure === 'answer') (req as Failed)[FAILED] = { error };
            toRoute();
          },
        )
        .catch((err: unknown) => {
          // Not a failure of the work (that went to the route) but of answering it: nothing left to say.
          deps.logger.error({ err }, 'answer before routing failed');
          res.destroy();
        })
        .finally(release);
    });
    return true;
  };
}

/** The handler's data, or undefined when it declines or throws (the route explains the error). */
function dataOf<C>(handler: PostFastPath<C>, admitted: C, body: Buffer): object | undefined {
  try {
    return handler.data(admitted, parseJsonBody(body.toString('utf8')));
  } catch {
    return undefined;
  }
}
