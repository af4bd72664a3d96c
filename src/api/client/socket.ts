// WS /connect — the chat socket (spec §4). It belongs to the client realm: the upgrade carries the
// same App-Key and access token as every client call, in the query string (web SDK) or in headers
// (Android), and is refused with the envelope and an HTTP error status when they do not check out.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { ClientSocket } from '../../chat/hub.ts';
import { Inbox } from '../../chat/inbox.ts';
import { isObject, roomIdOf } from '../../chat/message-input.ts';
import { eventFrame } from '../../chat/views.ts';
import type { Deps } from '../../deps.ts';
import { ApiError, failure } from '../../errors.ts';
import { unavailableError } from '../../http/errors.ts';
import { POWERTALK_CLIENTS, authenticateClient } from '../../http/client-auth.ts';
import { type Attempt, admitAttempt, attemptSubjects, judgeFailure } from '../../http/guard.ts';
import { forwardTyping } from '../../services/delivery.ts';
import { sendMessage, updateMessageFromClient } from '../../services/messages.ts';
import { type AccessAuth, getSessionUser } from '../../services/sessions.ts';
import type { ClientUser } from '../../services/user-view.ts';
import { assertStorableText, parseUtf8Json } from '../../validation.ts';

/** Events clients may send that need nothing from the server (spec §4.3). */
const IGNORED = new Set(['chat/openRoom', 'chat/closeRoom', 'chat/openMessage', 'user/authentication', 'user/updated']);

/** `addressOf` is the client address by the same trusted-proxy rule as Fastify's request.ip. */
export function chatSocket(app: FastifyInstance, deps: Deps, addressOf: (req: IncomingMessage) => string): void {
  // The hard limit closes the socket (1009); below it, an oversized frame is answered with an error.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: deps.chat.limits.frame * 4 });
  let closing = false;
  /** Frames being handled (their queued work included): shutdown waits for them before the database goes away. */
  let working = 0;
  let drained: (() => void) | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    // Upgraded connections keep the HTTP server from closing: end them first.
    deps.chat.hub.closeSockets();
    if (working === 0) return;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
    await Promise.race([new Promise<void>((resolve) => (drained = resolve)), timeout]);
  });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (closing) return refuse(socket, new ApiError('ServiceUnavailable'));
    upgrade(deps, wss, req, addressOf(req), socket, head, (client, data) => {
      // Frames that arrive once shutdown began are not taken on.
      if (closing) return;
      // A frame counts until all its work is done, a queued message's storage and delivery included:
      // for the socket's inbox and for shutdown. Counted, not collected: this runs for every frame.
      const handled = client.inbox.admit(byteLength(data));
      let open = 1;
      working++;
      const settle = () => {
        if (--open > 0) return;
        handled();
        if (--working === 0) drained?.();
      };
      const follow = (work: Promise<void>) => {
        open++;
        work.then(settle, settle);
      };
      const step = client.chain.then(() => onFrame(deps, client, data, follow));
      client.chain = step;
      step.then(settle, settle);
    }).catch((err: Error) => {
      // A database outage is routine (503, logged at warn); anything else is a defect of ours.
      const unavailable = unavailableError(err, app.log);
      if (unavailable === undefined) app.log.error({ err }, 'socket upgrade failed');
      refuse(socket, unavailable ?? new ApiError('InternalError'));
    });
  });
}

function refuse(socket: Duplex, err: ApiError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(failure(err));
  const retry = err.retryAfter === undefined ? '' : `Retry-After: ${err.retryAfter}\r\n`;
  socket.end(
    `HTTP/1.1 ${err.status} ${err.status === 401 ? 'Unauthorized' : 'Refused'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nAccess-Control-Allow-Origin: *\r\n${retry}Connection: close\r\n\r\n${body}`,
  );
}

type FrameHandler = (client: ClientSocket, data: RawData) => void;

const byteLength = (data: RawData): number => (Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength);

/** Frames a socket may have waiting (count, and bytes as a multiple of the frame limit) before it is not read. */
const INBOX_FRAMES = 32;
const INBOX_FRAME_MULTIPLE = 4;

async function upgrade(
  deps: Deps,
  wss: WebSocketServer,
  req: IncomingMessage,
  address: string,
  socket: Duplex,
  head: Buffer,
  onMessage: FrameHandler,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    // Anyone can send this: no error level, and nothing of the URL, whose query may hold credentials.
    deps.logger.debug('socket upgrade refused: unreadable URL');
    return refuse(socket, new ApiError('ParamValidationFailed', { message: 'Malformed request URL' }));
  }
  if (url.pathname !== '/connect') return refuse(socket, new ApiError('RouteNotFound'));
  const query = url.searchParams;
  // The web SDK puts its credentials in the query string; Android sends them as headers.
  // A repeated parameter is ambiguous, as a repeated key header is: it reaches the check as an array and is refused.
  const fromQuery = (name: string) => {
    const values = query.getAll(name);
    return values.length > 1 ? values : values[0];
  };
  const presented = {
    key: req.headers['app-key'] ?? fromQuery('app_key'),
    authorization: req.headers.authorization ?? fromQuery('authorization'),
  };
  let auth: AccessAuth;
  let keyId: string;
  let user: ClientUser;
  let attempt: Attempt | undefined;
  try {
    // The client realm's rule (http/guard.ts) and authentication, with the same credential values as its REST calls.
    attempt = await admitAttempt(deps, attemptSubjects(address, [presented.key, presented.authorization]));
    const client = await authenticateClient(deps, POWERTALK_CLIENTS, presented, 'required');
    keyId = client.key.keyId;
    auth = client.session as AccessAuth;
    user = (await getSessionUser(deps, auth)) as ClientUser;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return refuse(socket, attempt === undefined ? err : await judgeFailure(deps, attempt, err));
  }
  if (socket.destroyed) return;
  // Checked right before the upgrade, which attaches the socket synchronously: no race between the two.
  const cap = deps.chat.limits.socketsPerUser;
  if (cap > 0 && deps.chat.hub.socketsOf(auth.projectId, Number(auth.subject)) >= cap) {
    return refuse(socket, new ApiError('TooManyRequests', { message: `At most ${cap} sockets per user`, retryAfter: 30 }));
  }
  wss.handleUpgrade(req, socket, head, (ws) => open(deps, ws, socket, auth, keyId, user, onMessage));
}

function open(deps: Deps, ws: WebSocket, stream: Duplex, auth: AccessAuth, keyId: string, user: ClientUser, onMessage: FrameHandler): void {
  const client: ClientSocket = {
    ws,
    stream,
    projectId: auth.projectId,
    userId: Number(auth.subject),
    sessionId: auth.sessionId,
    keyId,
    user,
    chain: Promise.resolve(),
    inbox: new Inbox(ws, { frames: INBOX_FRAMES, bytes: INBOX_FRAME_MULTIPLE * deps.chat.limits.frame }),
    alive: true,
  };
  deps.metrics.sockets.inc();
  ws.on('close', () => deps.metrics.sockets.dec());
  // A protocol error (e.g. a frame over the hard limit) closes this socket only; nothing to add.
  ws.on('error', () => {});
  ws.on('message', (data: RawData) => onMessage(client, data));
  deps.chat.hub.attach(client);
}

/**
 * Handles one frame. Frames of a socket are taken in order; a message only needs to be queued for
 * storage before the next frame is taken (`track` follows the rest until it is delivered).
 */
async function onFrame(deps: Deps, client: ClientSocket, data: RawData, track: (work: Promise<void>) => void): Promise<void> {
  // ws hands over a Buffer of its own (binaryType 'nodebuffer'): read in place, not copied.
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  let eventName = '';
  let localID = '';
  try {
    if (buffer.length > deps.chat.limits.frame) throw new ApiError('PayloadTooLarge', { message: `Frames are limited to ${deps.chat.limits.frame} bytes` });
    let event: unknown;
    try {
      event = parseUtf8Json(buffer.toString('utf8'));
    } catch {
      throw new ApiError('ParamValidationFailed', { message: 'A frame must be one JSON event' });
    }
    if (!isObject(event) || typeof event.eventName !== 'string')
      throw new ApiError('ParamValidationFailed', { field: 'eventName', message: 'eventName is required' });
    eventName = event.eventName.slice(0, 100);
    if (isObject(event.data) && typeof event.data.localID === 'string') localID = event.data.localID.slice(0, 64);
    const wait = deps.userRates.events.take(`${client.projectId}\0${client.userId}`);
    if (wait > 0) throw new ApiError('TooManyRequests', { message: `Too many events; try again in ${wait} s` });
    const actor = { projectId: client.projectId, userId: client.userId };
    switch (eventName) {
      case 'chat/sendMessage': {
        const { done } = await sendMessage(deps, actor, event.data);
        const id = localID;
        const reported = done.catch((err: unknown) => reportError(deps, client, err, 'chat/sendMessage', id));
        // Batched writes commit in queue order, so the next frame may go; otherwise (PostgreSQL,
        // where transactions overlap) a client's messages are stored one after the other.
        if (deps.writes.ordered) track(reported);
        else await reported;
        return;
      }
      case 'chat/updateMessage':
        // Names its message by strings that reach the database before the message is read.
        assertStorableText(event.data, '');
        return await updateMessageFromClient(deps, actor, event.data);
      case 'chat/startTyping':
      case 'chat/stopTyping': {
        assertStorableText(event.data, '');
        const roomID = roomIdOf(isObject(event.data) ? event.data.roomID : undefined, 'roomID');
        return await forwardTyping(deps, actor, client.user, eventName, roomID);
      }
      default:
        if (IGNORED.has(eventName)) return;
        throw new ApiError('ParamValidationFailed', { field: 'eventName', message: `Unknown event ${eventName}` });
    }
  } catch (err) {
    reportError(deps, client, err, eventName, localID);
  }
}

/**
 * An error event to the client whose frame failed; the SDKs ignore event names they do not know. The
 * same mapping as the HTTP error handler: a database outage is 503 / 50300 logged at warn.
 */
function reportError(deps: Deps, client: ClientSocket, err: unknown, eventName: string, localID: string): void {
  let apiError = err instanceof ApiError ? err : unavailableError(err, deps.logger);
  if (apiError === undefined) {
    deps.logger.error({ err }, 'socket event failed');
    apiError = new ApiError('InternalError');
  }
  const { error } = failure(apiError);
  deps.chat.hub.send(client, eventFrame('error', { ...error, status: apiError.status, eventName, localID }));
}
