// Live Chat test clients: visitors signed in the way OneTalk's SDKs do it (a ticket from the company's
// backend, or a guest sign-up, redeemed under `/api/visitor/v1/`), and their calls. Each helper takes a
// `LiveChatSite`: the app in this process (through `app.inject()`), or a server over real HTTP.
import assert from 'node:assert/strict';
import { formatKeyPairHeader } from '../../src/credentials.ts';
import { type Envelope, type TestApp, type TokenBundle, post } from './app.ts';
import type { ChatUser } from './chat.ts';

export const VISITOR = '/api/visitor/v1';

export interface Visitor {
  contactID: string;
  accessToken: string;
}

/** A server reached over HTTP at `base`, with the company's integration API key and the launcher's Secret-Key. */
export interface LiveChatServer {
  base: string;
  apiKey: string;
  secretKey: string;
}

export type LiveChatSite = TestApp | LiveChatServer;

/** POSTs to `path` of the site (a string body is sent as is); the HTTP status and the envelope. */
async function postTo<T>(site: LiveChatSite, path: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: Envelope<T> }> {
  if ('app' in site) return post<T>(site.app, path, headers, body);
  const res = await fetch(`${site.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Envelope<T> };
}

const keysOf = (site: LiveChatSite) => ('app' in site ? { apiKey: site.project.apiKey, secretKey: site.project.appKey.secret } : site);

let counter = 0;

/** A contact synced by the company's backend, signed in to Live Chat; `fields` add to (or replace) the ticket request's. */
export async function signInVisitor(site: LiveChatSite, fullName = `Visitor ${++counter}`, fields: Record<string, string> = {}): Promise<Visitor> {
  const { apiKey, secretKey } = keysOf(site);
  const ticket = await postTo<{ ticket: string; userID: string }>(
    site,
    '/api/integration/v1/user/request_auth_ticket',
    { 'api-key': apiKey },
    { customerUserID: `customer:${Date.now()}:${++counter}`, fullName, email: 'visitor@example.com', ...fields },
  );
  assert.equal(ticket.body.status, 200, JSON.stringify(ticket.body.error));
  const tokens = await postTo<TokenBundle>(
    site,
    `${VISITOR}/auth/access_token/request`,
    { 'secret-key': secretKey, authorization: `Bearer ${ticket.body.data.ticket}` },
    '',
  );
  assert.equal(tokens.body.status, 200, JSON.stringify(tokens.body.error));
  return { contactID: ticket.body.data.userID, accessToken: tokens.body.data.accessToken };
}

/** A visitor API call as the Android SDK makes it (HTTP 200 asserted); `body` undefined sends none. */
export async function visitorCall<T = Record<string, unknown>>(
  site: LiveChatSite,
  visitor: Visitor | undefined,
  path: string,
  body?: unknown,
): Promise<Envelope<T>> {
  const headers: Record<string, string> = { 'secret-key': keysOf(site).secretKey };
  if (visitor !== undefined) headers.authorization = `Bearer ${visitor.accessToken}`;
  const res = await postTo<T>(site, `${VISITOR}/${path}`, headers, body ?? '');
  assert.equal(res.status, 200, `${path}: HTTP ${res.status}`);
  return res.body;
}

/** The visitor's chat session, the way the Live Chat SDK gets one: get_configs, request_auth_ticket, redeem. */
export async function visitorChatUser(site: LiveChatSite, visitor: Visitor): Promise<ChatUser & { appKeyHeader: string }> {
  const configs = await visitorCall<{ tapTalk: { appKeyID: string; appKeySecret: string } }>(site, undefined, 'client/project/get_configs');
  const appKeyHeader = formatKeyPairHeader(configs.data.tapTalk.appKeyID, configs.data.tapTalk.appKeySecret);
  const ticket = await visitorCall<{ ticket: string }>(site, visitor, 'client/taptalk/request_auth_ticket');
  assert.equal(ticket.status, 200, JSON.stringify(ticket.error));
  const res = await postTo<TokenBundle>(
    site,
    '/v1/auth/access_token/request',
    { 'app-key': appKeyHeader, authorization: `Bearer ${ticket.data.ticket}` },
    '""',
  );
  assert.equal(res.body.status, 200, JSON.stringify(res.body.error));
  return { userID: res.body.data.user.userID as string, ...res.body.data, appKeyHeader };
}

/** What a case looks like to a visitor (the fields tests read). */
export interface CaseData {
  id: number;
  stringID: string;
  topicID: number;
  topicName: string;
  agentAccountID: number;
  agentFullName: string;
  tapTalkXCRoomID: string;
  firstMessage: string;
  isClosed: boolean;
  userID: string;
  tapTalkRoom?: { lastMessage: Record<string, unknown> | null; unreadCount: number };
}
