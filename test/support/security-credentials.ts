// Every credential the security suite presents, good and bad, made through the real flows: keys from
// createProject/createKey (revoked through the service), tickets from the server and integration
// APIs, sessions by redeeming them, logouts and revocations through the API. Only the outright wrong
// values (unknown keys, forged tokens) are made up, as an attacker would make them.
import assert from 'node:assert/strict';
import { formatApiKey, formatKeyPairHeader, newId, newSecret } from '../../src/credentials.ts';
import { createAgent } from '../../src/services/livechat-setup.ts';
import { type CreatedProject, createKey, revokeKey } from '../../src/services/projects.ts';
import { type TokenClaims, createTokenSigner } from '../../src/tokens.ts';
import { type TestApp, type Ticketed, type TokenBundle, post } from './app.ts';
import { type AgentSession, inboxCall, signInAgent } from './inbox.ts';

/** A session of either API, and the ticket it was redeemed from. */
export interface Session {
  usedTicket: string;
  accessToken: string;
  refreshToken: string;
}

export interface Project {
  server: string;
  /** The server key's secret alone (what a Secret-Key header would carry). */
  serverSecret: string;
  api: string;
  app: string;
  appSecret: string;
}

export interface Credentials {
  /** The project every case targets, and another one (its tokens are another project's). */
  a: Project;
  b: Project;
  /** An API key of a project without a tier (OneTalk Integration API is tier-gated). */
  apiWithoutTier: string;
  /** Keys of project a, revoked. */
  revoked: Project;
  /** Well-formed keys nobody issued, and real key ids with a wrong secret. */
  unknown: Project;
  wrongSecret: Project;
  /** PowerTalk (pt) / Live Chat (lc): a live session of project a (and of b), unredeemed tickets. */
  pt: Session;
  lc: Session;
  ptB: Session;
  lcB: Session;
  tickets: { pt: string; lc: string; ptB: string; lcB: string };
  /** Sessions ended by logout (and PowerTalk: by the server's revoke_user), tickets used or revoked. */
  ptLoggedOut: Session;
  lcLoggedOut: Session;
  ptServerRevoked: Session;
  ptRevokedTicket: string;
  /**
   * Sessions refreshed once, by their first tokens: the access token is superseded, the refresh token
   * used. Two of each: presenting a used refresh token revokes its session, which would hide `superseded`.
   */
  ptRotated: [Session, Session];
  lcRotated: [Session, Session];
  /** Inbox sessions of an agent of project a: live, another agent's (for its CSRF token), signed out. */
  inbox: { live: AgentSession; other: AgentSession; loggedOut: AgentSession };
  /** New live sessions and unredeemed tickets of project a, for the calls that must get through. */
  fresh: { pt(): Promise<Session>; lc(): Promise<Session>; ptTicket(): Promise<string>; lcTicket(): Promise<string>; inbox(): Promise<AgentSession> };
}

let n = 0;

export async function makeCredentials(t: TestApp): Promise<Credentials> {
  const other = await t.newProject();
  const noTier = await t.newProject(null);
  const a = keysOf(t.project);
  const b = keysOf(other);

  const ptTicket = async (p: Project, xcUserID = `sec-${++n}`) => {
    const res = await post<Ticketed>(
      t.app,
      '/v1/server/auth_ticket/request',
      { 'server-key': p.server },
      { userIPAddress: '10.0.0.1', userAgent: 'test', userPlatform: 'web', userDeviceID: 'd', xcUserID, fullName: 'Sec' },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body.error));
    return res.body.data.ticket;
  };
  const lcTicket = async (p: Project) => {
    const phone = `62812${String(++n).padStart(8, '0')}`;
    const res = await post<Ticketed>(
      t.app,
      '/api/integration/v1/user/request_auth_ticket',
      { 'api-key': p.api },
      { customerUserID: `sec-${n}`, fullName: 'Visitor', phone },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body.error));
    return res.body.data.ticket;
  };
  const redeem = async (url: string, headers: Record<string, string>, ticket: string): Promise<Session> => {
    const res = await post<TokenBundle>(t.app, url, { ...headers, authorization: `Bearer ${ticket}` }, '""');
    assert.equal(res.body.status, 200, JSON.stringify(res.body.error));
    const { accessToken, refreshToken } = res.body.data;
    return { accessToken, refreshToken, usedTicket: ticket };
  };
  const ptSession = async (p: Project, xcUserID?: string) => redeem('/v1/auth/access_token/request', { 'app-key': p.app }, await ptTicket(p, xcUserID));
  const lcSession = async (p: Project) => redeem('/api/visitor/v1/auth/access_token/request', { 'secret-key': p.appSecret }, await lcTicket(p));
  /** Refreshes the session once; returns its first tokens, now superseded (access) and used (refresh). */
  const rotate = async (url: string, headers: Record<string, string>, s: Session) => {
    const res = await post(t.app, url, { ...headers, authorization: `Bearer ${s.refreshToken}` }, '""');
    assert.equal(res.body.status, 200, JSON.stringify(res.body.error));
    return s;
  };
  const logout = async (url: string, headers: Record<string, string>, s: Session) => {
    const res = await post(t.app, url, { ...headers, authorization: `Bearer ${s.accessToken}` }, '""');
    assert.equal(res.body.status, 200, JSON.stringify(res.body.error));
    return s;
  };

  const ptLoggedOut = await logout('/v1/client/logout', { 'app-key': a.app }, await ptSession(a));
  const lcLoggedOut = await logout('/api/visitor/v1/logout', { 'secret-key': a.appSecret }, await lcSession(a));
  const ptRotate = async () => rotate('/v1/auth/access_token/refresh', { 'app-key': a.app }, await ptSession(a));
  const lcRotate = async () => rotate('/api/visitor/v1/auth/access_token/refresh', { 'secret-key': a.appSecret }, await lcSession(a));
  const ptRotated: [Session, Session] = [await ptRotate(), await ptRotate()];
  const lcRotated: [Session, Session] = [await lcRotate(), await lcRotate()];
  // revoke_user ends the user's sessions and the tickets issued before it, to the millisecond: the
  // test clock stands still, so it moves 1 ms for the ticket to predate the revocation.
  const revokedUser = `sec-revoked-${++n}`;
  const ptServerRevoked = await ptSession(a, revokedUser);
  const ptRevokedTicket = await ptTicket(a, revokedUser);
  t.clock.advance(1);
  const revoked = await post(t.app, '/v1/server/session/revoke_user', { 'server-key': a.server }, { xcUserID: revokedUser });
  assert.equal(revoked.body.status, 200, JSON.stringify(revoked.body.error));

  const password = 'a long passphrase';
  for (const email of ['sec-agent@example.com', 'sec-other@example.com']) {
    await createAgent(t.deps, t.project.projectID, { email, fullName: 'Agent', password, topicIds: [] });
  }
  const inboxSession = () => signInAgent(t, t.project.projectID, 'sec-agent@example.com', password);
  const inboxLoggedOut = await inboxSession();
  assert.equal((await inboxCall(t, inboxLoggedOut, 'logout')).status, 200);
  const inbox = { live: await inboxSession(), other: await signInAgent(t, t.project.projectID, 'sec-other@example.com', password), loggedOut: inboxLoggedOut };

  return {
    a,
    b,
    inbox,
    apiWithoutTier: noTier.apiKey,
    revoked: await revokedKeys(t, t.project.projectID),
    unknown: {
      server: formatKeyPairHeader(newId('serverKey'), newSecret()),
      serverSecret: newSecret(),
      api: formatApiKey(newId('apiKey'), newSecret()),
      app: formatKeyPairHeader(newId('appKey'), newSecret()),
      appSecret: newSecret(),
    },
    wrongSecret: {
      server: formatKeyPairHeader(t.project.serverKey.id, newSecret()),
      serverSecret: newSecret(),
      api: formatApiKey(t.project.apiKey.split('.')[0] as string, newSecret()),
      app: formatKeyPairHeader(t.project.appKey.id, newSecret()),
      appSecret: newSecret(),
    },
    pt: await ptSession(a),
    lc: await lcSession(a),
    ptB: await ptSession(b),
    lcB: await lcSession(b),
    tickets: { pt: await ptTicket(a), lc: await lcTicket(a), ptB: await ptTicket(b), lcB: await lcTicket(b) },
    ptLoggedOut,
    lcLoggedOut,
    ptServerRevoked,
    ptRevokedTicket,
    ptRotated,
    lcRotated,
    fresh: { pt: () => ptSession(a), lc: () => lcSession(a), ptTicket: () => ptTicket(a), lcTicket: () => lcTicket(a), inbox: inboxSession },
  };
}

function keysOf(p: CreatedProject): Project {
  return { server: p.serverKey.header, serverSecret: p.serverKey.secret, api: p.apiKey, app: p.appKey.header, appSecret: p.appKey.secret };
}

/** One key of each type added to the project, then revoked (the project's own keys stay valid). */
async function revokedKeys(t: TestApp, projectId: string): Promise<Project> {
  const server = await createKey(t.deps, projectId, 'server');
  const api = await createKey(t.deps, projectId, 'api');
  const app = await createKey(t.deps, projectId, 'app');
  for (const key of [server, api, app]) await revokeKey(t.deps, key.id);
  if (server.type === 'api' || app.type === 'api' || api.type !== 'api') throw new Error('createKey returned the wrong type');
  return { server: server.header, serverSecret: server.secret, api: api.key, app: app.header, appSecret: app.secret };
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as TokenClaims;

/** The token's very claims, signed with a key that is not the server's. */
export function forged(token: string): string {
  const c = claimsOf(token);
  const signer = createTokenSigner({ current: newSecret(), accepted: [] });
  return signer.sign({ pur: c.pur, sub: c.sub, pid: c.pid, sid: c.sid, gen: c.gen, now: c.iat * 1000, ttlSeconds: c.exp - c.iat }).token;
}

/** The token's claims with `alg: none` and no signature. */
export function unsigned(token: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return `${header}.${token.split('.')[1]}.`;
}

/** A refresh token of the right shape that was never issued. */
export const unknownRefreshToken = () => formatApiKey(newId('refreshToken'), newSecret());
