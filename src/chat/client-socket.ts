// A client's chat socket as the hub holds it, and how a frame is written to it.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ClientUser } from '../services/user-view.ts';
import type { Inbox } from './inbox.ts';

export interface ClientSocket {
  ws: WebSocket;
  /** The connection under `ws`, corked while a turn's frames to it are written (see `writeFrame`). */
  stream: Duplex;
  projectId: string;
  userId: number;
  sessionId: string;
  /** The App-Key the socket was opened with: revoking it closes the socket. */
  keyId: string;
  /** The user as of connecting: the sender of this socket's messages. */
  user: ClientUser;
  /** Events from one socket are handled in order. */
  chain: Promise<void>;
  /** What the socket has received and not yet handled, bounded (chat/inbox.ts). */
  inbox: Inbox;
  alive: boolean;
}

/** Close code 1013: the client reads too slowly. */
const TOO_SLOW = 1013;
/** Bytes queued for one socket beyond which it is dropped rather than buffered without bound. */
const MAX_BUFFERED = 8 * 1024 * 1024;

/** The sockets written to since the last `uncorkAll`. */
const corked: ClientSocket[] = [];

function uncorkAll(): void {
  for (const socket of corked) socket.stream.uncork();
  corked.length = 0;
}

/**
 * Sends a frame to a socket; a socket that reads too slowly is closed rather than buffered without bound.
 * The frames a socket gets in one turn of the event loop (the echoes of one commit, say) leave in one
 * write: the connection is corked at the first and uncorked once the turn's callbacks and promise
 * reactions are done (a tick queued from a promise reaction runs after all of them), before any I/O.
 */
export function writeFrame(socket: ClientSocket, buffer: Buffer): void {
  if (socket.ws.readyState !== 1) return;
  if (socket.ws.bufferedAmount > MAX_BUFFERED) {
    socket.ws.close(TOO_SLOW, 'client too slow');
    return;
  }
  // Corked only by this function between turns (ws corks and uncorks within each of its writes).
  if (socket.stream.writableCorked === 0) {
    socket.stream.cork();
    if (corked.push(socket) === 1) process.nextTick(uncorkAll);
  }
  // Binary frames only: the web SDK's reader stalls for good on a text frame (spec §4.2).
  socket.ws.send(buffer, { binary: true });
}
