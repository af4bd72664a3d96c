// The client half of `parley chat`: what TapTalk's web SDK does, in a terminal. Redeems the ticket
// (/v1/auth/access_token/request), opens /connect with the SDK's query string, prints what arrives and
// sends each line of input as a text message (bodies in the SDK's cipher, src/chat/cipher.ts).
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import WebSocket from 'ws';
import { decryptContent, newLocalId } from '../chat/cipher.ts';
import { sdkTextMessage } from '../chat/sdk-message.ts';
import { formatKeyPairHeader } from '../credentials.ts';
import { OperatorError } from '../errors.ts';
import type { Output } from './context.ts';

export interface ChatOptions {
  url: string;
  appKeyID: string;
  appKeySecret: string;
  ticket: string;
  /** A room id, or the xcUserID of the other person of a personal room. */
  target: { room: string } | { to: string };
  json: boolean;
}

interface ChatUser {
  userID: string;
  xcUserID: string;
  fullname: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a message as the server sent it; only the fields read here are relied on
type WireMessage = Record<string, any>;

/** How long, after the input ends, the messages sent are given to be stored and echoed. */
const DRAIN_MS = 10_000;

async function call<T>(url: string, headers: Record<string, string>, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  } catch (err) {
    throw new OperatorError(`cannot reach ${new URL(url).origin}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  let envelope: { status?: number; error?: { code: string; message: string }; data?: T };
  try {
    envelope = JSON.parse(text) as typeof envelope;
  } catch {
    throw new OperatorError(`${url} answered HTTP ${res.status} without Parley's envelope: is --url a Parley?`);
  }
  if (envelope.status !== 200 || envelope.data === undefined)
    throw new OperatorError(`${envelope.error?.message ?? 'failed'} (${envelope.error?.code ?? res.status})`);
  return envelope.data;
}

export async function runChat(options: ChatOptions, io: Output, input: Readable): Promise<number> {
  const base = options.url.replace(/\/+$/, '');
  const appKey = formatKeyPairHeader(options.appKeyID, options.appKeySecret);
  const session = await call<{ accessToken: string; user: ChatUser }>(
    `${base}/v1/auth/access_token/request`,
    { 'app-key': appKey, authorization: `Bearer ${options.ticket}` },
    '',
  );
  const me = session.user;
  const client = { 'app-key': appKey, authorization: `Bearer ${session.accessToken}` };

  // The room of `--to` needs the other person's userID: looked up now, and again at each line until found.
  let roomID = 'room' in options.target ? options.target.room : undefined;
  const resolveRoom = async (): Promise<string | undefined> => {
    if (roomID !== undefined || !('to' in options.target)) return roomID;
    try {
      const { user } = await call<{ user: ChatUser }>(`${base}/v1/client/user/get_by_xcuserid`, client, { xcUserID: options.target.to });
      const [a, b] = [Number(me.userID), Number(user.userID)].sort((x, y) => x - y);
      roomID = `${a}-${b}`;
    } catch (err) {
      io.err(`parley chat: ${options.target.to}: ${(err as Error).message}; they can be written to once they have signed in`);
    }
    return roomID;
  };
  await resolveRoom();

  const q = new URLSearchParams({
    content_type: 'undefined',
    app_key: appKey,
    authorization: `Bearer ${session.accessToken}`,
    device_identifier: 'parley-chat',
    device_model: 'parley-chat',
    device_platform: 'web',
  });
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/connect?${q.toString().replace(/\+/g, '%20')}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new OperatorError(`the chat socket was refused: HTTP ${res.statusCode}`)));
    ws.once('error', (err) => reject(new OperatorError(`cannot open the chat socket: ${err.message}`)));
  });
  io.err(
    `parley chat: connected as ${me.xcUserID} (user ${me.userID})${roomID === undefined ? '' : ` to room ${roomID}`}; each line you type is sent, Ctrl-D ends`,
  );

  /** localIDs sent and not yet echoed (or refused); lines that could not be sent. */
  const pending = new Set<string>();
  let unsent = 0;
  let drained: (() => void) | undefined;
  const settle = (localID: string) => {
    pending.delete(localID);
    if (pending.size === 0) drained?.();
  };

  ws.on('message', (frame: Buffer) => {
    for (const line of frame.toString('utf8').split('\n')) {
      let event: { eventName?: string; data?: WireMessage };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        continue;
      }
      const m = event.data;
      if (m === undefined) continue;
      if (event.eventName === 'error') {
        io.err(`parley chat: not sent: ${m.message} (${m.code}${m.field ? `, ${m.field}` : ''})`);
        if (typeof m.localID === 'string' && pending.has(m.localID)) {
          unsent += 1;
          settle(m.localID);
        }
      } else if (event.eventName === 'chat/sendMessage') {
        if (pending.has(m.localID)) {
          settle(m.localID);
          continue;
        }
        // The person of --to wrote first: their personal room is the target from now on.
        if (roomID === undefined && 'to' in options.target && m.user?.xcUserID === options.target.to && String(m.room?.roomID).includes('-')) {
          roomID = String(m.room.roomID);
        }
        printMessage(io, m, options.json, roomID);
      }
    }
  });

  // A socket error is followed by its close, which is what ends the session (and says why).
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let sending = Promise.resolve();
  lines.on('line', (text) => {
    if (text.trim() === '') return;
    sending = sending.then(async () => {
      const room = await resolveRoom();
      if (room === undefined || ws.readyState !== WebSocket.OPEN) {
        unsent += 1;
        return;
      }
      const localID = newLocalId();
      pending.add(localID);
      ws.send(JSON.stringify({ eventName: 'chat/sendMessage', data: sdkTextMessage(room, me, localID, text) }));
    });
  });
  const inputEnded = new Promise<void>((resolve) => lines.once('close', resolve));
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

  const outcome = await Promise.race([
    inputEnded.then(async () => {
      await sending;
      if (pending.size > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, DRAIN_MS).unref();
        });
      }
      return 'done' as const;
    }),
    interrupted.then(() => 'done' as const),
    closed.then((c) => c),
  ]);
  lines.close();
  input.pause();
  if (outcome !== 'done') {
    io.err(`parley chat: the server closed the connection (${outcome.code}${outcome.reason ? ` ${outcome.reason}` : ''})`);
    return 1;
  }
  unsent += pending.size;
  if (unsent > 0) io.err(`parley chat: ${unsent} message(s) not sent or not confirmed by the server`);
  ws.close(1000);
  await closed;
  // Exit 1 tells a script that not every line it gave was stored.
  return unsent > 0 ? 1 : 0;
}

function printMessage(io: Output, m: WireMessage, json: boolean, roomID: string | undefined): void {
  const text = typeof m.body === 'string' && typeof m.localID === 'string' ? (decryptContent(m.body, m.localID) ?? m.body) : '';
  const sender = { userID: String(m.user?.userID ?? ''), xcUserID: String(m.user?.xcUserID ?? ''), fullname: String(m.user?.fullname ?? '') };
  const room = String(m.room?.roomID ?? '');
  if (json) {
    io.out(JSON.stringify({ roomID: room, messageID: String(m.messageID), localID: m.localID, type: m.type, sender, text, created: m.created }));
  } else {
    // One line per message, whatever it holds: line breaks inside are shown as \n.
    io.out(`${room === roomID ? '' : `[${room}] `}${sender.xcUserID}: ${text.replace(/\r?\n/g, '\\n')}`);
  }
}
