// The agents' inbox as a browser calls it: a session cookie from /inbox/api/login and its CSRF token.
import assert from 'node:assert/strict';
import type { Envelope, TestApp } from './app.ts';

export interface AgentSession {
  cookie: string;
  csrf: string;
}

export interface InboxAnswer<T> {
  status: number;
  body: Envelope<T>;
  setCookie: string | undefined;
}

/** An inbox call: GET without a body, POST with JSON; `headers` replace the session's own. */
export async function inboxCall<T = Record<string, unknown>>(
  t: TestApp,
  session: AgentSession | undefined,
  route: string,
  body?: unknown,
  headers: Record<string, string | undefined> = {},
): Promise<InboxAnswer<T>> {
  const [method, path] = route.includes(' ') ? (route.split(' ') as ['GET' | 'POST', string]) : (['POST', route] as const);
  const own: Record<string, string | undefined> = session === undefined ? {} : { cookie: `parley_inbox=${session.cookie}`, 'x-parley-csrf': session.csrf };
  const sent = Object.fromEntries(Object.entries({ ...own, ...headers }).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await t.app.inject({
    method,
    url: `/inbox/api/${path}`,
    headers: method === 'POST' ? { 'content-type': 'application/json', ...sent } : sent,
    payload: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
  });
  const setCookie = res.headers['set-cookie'];
  return { status: res.statusCode, body: res.json() as Envelope<T>, setCookie: Array.isArray(setCookie) ? setCookie[0] : setCookie };
}

/** Signs the agent in; the cookie's value and the CSRF token. */
export async function signInAgent(t: TestApp, project: string, email: string, password: string): Promise<AgentSession> {
  const res = await inboxCall<{ csrfToken: string }>(t, undefined, 'login', { project, email, password });
  assert.equal(res.body.status, 200, JSON.stringify(res.body.error));
  const cookie = /^parley_inbox=([^;]+);/.exec(res.setCookie ?? '')?.[1];
  assert.ok(cookie, `a session cookie: ${res.setCookie}`);
  return { cookie, csrf: res.body.data.csrfToken };
}
