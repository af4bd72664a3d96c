// Chat test clients: users logged in through the real ticket flow, and sockets that speak to
// /connect the way the web SDK does (query-string credentials, text frames out, binary frames in).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import WebSocket, { type ClientOptions } from 'ws';
import { newLocalId } from '../../src/chat/cipher.ts';
import { sdkTextMessage } from '../../src/chat/sdk-message.ts';
import { type Envelope, type TestApp, type Ticketed, type TokenBundle, post } from './app.ts';

export interface ChatUser {
  userID: string;
  accessToken: string;
  refreshToken: string;
  user: Record<string, unknown>;
}

let counter = 0;

/** A ticket for a PowerTalk user of the test project (auth_ticket/request, HTTP 200 asserted). */
export async function issueTicket(t: TestApp, xcUserID: string, fullName = `Name ${xcUserID}`): Promise<Ticketed> {
  const res = await post<Ticketed>(t.app, '/v1/server/auth_ticket/request', { 'server-key': t.project.serverKey.header }, ticketRequest(xcUserID, fullName));
  assert.equal(res.body.status, 200, JSON.stringify(res.body.error));
  return res.body.data;
}

/** A PowerTalk user of the test project, logged in (ticket → access token). */
export async function loginUser(t: TestApp, fullName = `User ${++counter}`, xcUserID = `xc-${Date.now()}-${++counter}`): Promise<ChatUser> {
  const { ticket } = await issueTicket(t, xcUserID, fullName);
  const res = await post<TokenBundle>(t.app, '/v1/auth/access_token/request', { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket}` }, '""');
  assert.equal(res.body.status, 200, JSON.stringify(res.body.error));
  const data = res.body.data;
  return { userID: data.user.userID as string, ...data };
}

/** A client REST call as the SDK makes it; returns the envelope (HTTP 200 asserted). */
export async function clientCall<T = Record<string, unknown>>(t: TestApp, user: ChatUser, url: string, body: unknown = '""') {
  const res = await post<T>(
    t.app,
    url,
    { 'app-key': t.project.appKey.header, authorization: `Bearer ${user.accessToken}`, 'content-type': 'text/plain;charset=UTF-8' },
    body,
  );
  assert.equal(res.status, 200);
  return res.body;
}

export async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

export interface SocketEvent {
  eventName: string;
  // biome-ignore lint/suspicious/noExplicitAny: an event as the server sent it; tests read its fields as they expect them
  data: any;
}

/** The SDK's socket URL (spec §4.1). */
export function socketUrl(baseUrl: string, appKeyHeader: string, accessToken: string): string {
  const q = new URLSearchParams({
    content_type: 'undefined',
    app_key: appKeyHeader,
    authorization: `Bearer ${accessToken}`,
    device_identifier: 'test-device',
    device_model: 'Netscape',
    device_platform: 'web',
  });
  return `${baseUrl.replace(/^http/, 'ws')}/connect?${q.toString().replace(/\+/g, '%20')}`;
}

export class ChatSocket {
  readonly events: SocketEvent[] = [];
  readonly problems: string[] = [];
  #waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = data.toString('utf8');
      // What the web SDK needs of every frame (spec §4.2).
      if (!isBinary) this.problems.push(`text frame: ${text}`);
      if (text.endsWith('\n') || text === '') this.problems.push(`empty line in frame: ${JSON.stringify(text)}`);
      for (const line of text.split('\n')) {
        try {
          this.events.push(JSON.parse(line) as SocketEvent);
        } catch {
          this.problems.push(`unparsable line: ${line}`);
        }
      }
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async open(url: string, headers: Record<string, string> = {}, options: ClientOptions = {}): Promise<ChatSocket> {
    const ws = new WebSocket(url, { ...options, headers });
    const socket = new ChatSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { statusCode: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
    return socket;
  }

  /** Sends like the web SDK: a text frame of `{eventName, data}`. */
  emit(eventName: string, data: unknown): void {
    this.ws.send(JSON.stringify({ eventName, data }));
  }

  /** Waits for the first event (from `from` on) matching `predicate`. */
  async waitFor(predicate: (e: SocketEvent) => boolean, timeoutMs = 5000, from = 0): Promise<SocketEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(predicate);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.eventName))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** A message as the web SDK builds it for `chat/sendMessage` (spec §8 step 8), with `extra` fields over it. */
export function outgoingMessage(roomID: string, sender: ChatUser, text: string, extra: Record<string, unknown> = {}) {
  return { ...sdkTextMessage(roomID, sender.user, newLocalId(), text), ...extra };
}

export function personalRoom(a: ChatUser, b: ChatUser): string {
  const [x, y] = [Number(a.userID), Number(b.userID)].sort((m, n) => m - n);
  return `${x}-${y}`;
}

// ---------------------------------------------------------------------------------------------
// The same, over real HTTP: for servers in other processes (or in-process ones that listen).

/** A valid auth_ticket/request body for a test user. */
export function ticketRequest(xcUserID: string, fullName: string) {
  return { userIPAddress: '10.0.0.1', userAgent: 'test', userPlatform: 'web', userDeviceID: 'device-1', xcUserID, fullName, email: 'user@example.com' };
}

async function postJson<T = Record<string, unknown>>(url: string, headers: Record<string, string>, body: unknown): Promise<Envelope<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  assert.equal(res.status, 200, `POST ${url}: HTTP ${res.status}`);
  return (await res.json()) as Envelope<T>;
}

/** An auth ticket from the server API of the server at `baseUrl`. */
export async function requestTicketAt(
  baseUrl: string,
  serverKeyHeader: string,
  fullName: string,
  xcUserID = `xc-${Date.now()}-${++counter}`,
): Promise<Ticketed> {
  const env = await postJson<Ticketed>(`${baseUrl}/v1/server/auth_ticket/request`, { 'server-key': serverKeyHeader }, ticketRequest(xcUserID, fullName));
  assert.equal(env.status, 200, JSON.stringify(env.error));
  return env.data;
}

/** `loginUser` against a server at `baseUrl` (ticket from the server API, redeemed by the client API). */
export async function loginUserAt(
  baseUrl: string,
  keys: { serverKeyHeader: string; appKeyHeader: string },
  fullName: string,
  xcUserID?: string,
): Promise<ChatUser> {
  const { ticket } = await requestTicketAt(baseUrl, keys.serverKeyHeader, fullName, xcUserID);
  const env = await postJson<TokenBundle>(`${baseUrl}/v1/auth/access_token/request`, { 'app-key': keys.appKeyHeader, authorization: `Bearer ${ticket}` }, '""');
  assert.equal(env.status, 200, JSON.stringify(env.error));
  return { userID: env.data.user.userID as string, ...env.data };
}

/** `clientCall` against a server at `baseUrl`; returns the envelope (HTTP 200 asserted). */
export function clientCallAt<T = Record<string, unknown>>(
  baseUrl: string,
  appKeyHeader: string,
  user: ChatUser,
  url: string,
  body: unknown = '""',
): Promise<Envelope<T>> {
  return postJson<T>(
    `${baseUrl}${url}`,
    { 'app-key': appKeyHeader, authorization: `Bearer ${user.accessToken}`, 'content-type': 'text/plain;charset=UTF-8' },
    body,
  );
}
