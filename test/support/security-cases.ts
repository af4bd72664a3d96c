// The security suite's cases: for each kind of route (its realm), every bad credential and the code
// docs/errors.md and docs/sessions.md promise for it, and the good credential that must get through.
import { newId, newSecret } from '../../src/credentials.ts';
import { TICKET_TTL_SECONDS } from '../../src/tokens.ts';
import { type Credentials, type Project, type Session, forged, unknownRefreshToken, unsigned } from './security-credentials.ts';

/**
 * How a route authenticates. server / api: a key header, HTTP status = envelope status (api is also
 * tier-gated). client / visitor: App-Key / Secret-Key and an access token, HTTP 200 always; their
 * `-key-only`, `-ticket`, `-refresh` routes take the key and nothing, an auth ticket, or a refresh token.
 */
export type Realm =
  | 'public'
  /** A capability link (a file's): the token in its URL is the credential (test/files.test.ts). */
  | 'link'
  | 'server'
  | 'api'
  | 'client'
  | 'client-key-only'
  | 'client-ticket'
  | 'client-refresh'
  | 'visitor'
  | 'visitor-key-only'
  | 'visitor-ticket'
  | 'visitor-refresh'
  /** The agents' inbox: a session cookie, and on POST its CSRF token; `-read` GETs; `-signin` login. */
  | 'inbox'
  | 'inbox-read'
  | 'inbox-signin'
  /** `me`: without a cookie it answers who is signed in (nobody); any cookie must be a live session. */
  | 'inbox-optional';

export type Category = 'no' | 'malformed' | 'wrong' | 'revoked' | 'expired' | 'wrong-realm' | 'no tier';
/** Header values; an array is a header sent more than once. */
export type Headers = Record<string, string | string[] | undefined>;
/** A bad credential and the code docs/errors.md and docs/sessions.md promise (status = its first 3 digits). */
export interface Case {
  category: Category;
  what: string;
  headers: Headers;
  code: string;
  /** Milliseconds the clock is moved forward for this request. */
  later?: number;
}
const c = (category: Category, what: string, headers: Headers, code: string, later?: number): Case => ({ category, what, headers, code, later });

/** Server and API keys do not expire (only revocation ends them): no `expired` case here. */
function keyCases(header: 'server-key' | 'api-key', good: (p: Project) => string, cr: Credentials): Case[] {
  const other = header === 'server-key' ? 'api-key' : 'server-key';
  return [
    c('no', `no ${header}`, {}, '40001'),
    c('no', `empty ${header}`, { [header]: '' }, '40001'),
    c('malformed', `${header} that cannot be a key`, { [header]: 'not a key' }, '49102'),
    c('malformed', `${header} sent twice`, { [header]: [good(cr.a), good(cr.a)] }, '49102'),
    c('wrong', `unknown ${header}`, { [header]: good(cr.unknown) }, '49103'),
    c('wrong', `${header} id with a wrong secret`, { [header]: good(cr.wrongSecret) }, '49103'),
    c('revoked', `revoked ${header}`, { [header]: good(cr.revoked) }, '49103'),
    c('wrong-realm', `the App-Key as ${header}`, { [header]: cr.a.app }, header === 'server-key' ? '49103' : '49102'),
    c('wrong-realm', `the ${other} as ${header}`, { [header]: header === 'server-key' ? cr.a.api : cr.a.server }, '49102'),
    c('wrong-realm', `a valid ${other} header instead`, { [other]: header === 'server-key' ? cr.a.api : cr.a.server, 'app-key': cr.a.app }, '40001'),
  ];
}

/** What a client realm's cases need: its key header and values, its own sessions and the other API's. */
interface ClientRealm {
  header: 'app-key' | 'secret-key';
  key: (p: Project) => string;
  own: Session;
  ownB: Session;
  ticket: string;
  ticketB: string;
  other: Session;
  otherTicket: string;
  /** Sessions ended (by logout, by the server's revoke_user), and two refreshed since their first tokens. */
  ended: Array<[how: string, session: Session]>;
  rotated: [Session, Session];
  revokedTickets: string[];
  /** Another realm's key where this key belongs (49103: well-formed, of another type). */
  foreignKey: [what: string, value: string];
}

function clientCases(r: ClientRealm, bearer: 'access' | 'ticket' | 'refresh' | 'none', cr: Credentials, ttl: { access: number; refresh: number }): Case[] {
  const H = r.header;
  const otherHeader = H === 'app-key' ? 'secret-key' : 'app-key';
  const good = bearer === 'access' ? r.own.accessToken : bearer === 'ticket' ? r.ticket : bearer === 'refresh' ? r.own.refreshToken : undefined;
  const auth = good === undefined ? {} : { authorization: `Bearer ${good}` };
  const key = r.key(cr.a);
  const keyCases = [
    c('no', `no ${H}`, { ...auth }, '40001'),
    c('malformed', `${H} that cannot be a key`, { [H]: 'not a key!', ...auth }, '49102'),
    c('malformed', `${H} sent twice`, { [H]: [key, key], ...auth }, '49102'),
    c('wrong', `unknown ${H}`, { [H]: r.key(cr.unknown), ...auth }, '49103'),
    ...(H === 'app-key' ? [c('wrong', 'App-Key id with a wrong secret', { [H]: cr.wrongSecret.app, ...auth }, '49103')] : []),
    c('revoked', `revoked ${H}`, { [H]: r.key(cr.revoked), ...auth }, '49103'),
    c('wrong-realm', `${r.foreignKey[0]} as ${H}`, { [H]: r.foreignKey[1], ...auth }, '49103'),
    c('wrong-realm', `a valid ${otherHeader} header instead`, { [otherHeader]: H === 'app-key' ? cr.a.appSecret : cr.a.app, ...auth }, '40001'),
  ];
  if (bearer === 'none') return keyCases;
  const as = (what: string, token: string, code: string, category: Category, later?: number) =>
    c(category, what, { [H]: key, authorization: `Bearer ${token}` }, code, later);
  const common = [
    c('no', 'no Authorization', { [H]: key }, '40101'),
    c('no', 'empty Authorization', { [H]: key, authorization: '' }, '40101'),
    c('malformed', 'Authorization without Bearer', { [H]: key, authorization: good }, '40102'),
    as('a Bearer that is no token', 'not-a-token', '40103', 'malformed'),
  ];
  if (bearer === 'refresh') {
    return [
      ...keyCases,
      ...common,
      as('unknown refresh token', unknownRefreshToken(), '40103', 'wrong'),
      as('refresh token id with a wrong secret', `${r.own.refreshToken.split('.')[0]}.${unknownRefreshToken().split('.')[1]}`, '40103', 'wrong'),
      ...r.ended.map(([how, s]) => as(`refresh token of a session ${how}`, s.refreshToken, '40103', 'revoked')),
      // Its reuse also revokes the whole session (docs/sessions.md): the rotated session ends here.
      as('refresh token already used', r.rotated[1].refreshToken, '40103', 'revoked'),
      as('refresh token past its expiry', r.own.refreshToken, '40103', 'expired', ttl.refresh * 1000 + 1000),
      as('refresh token of another project', r.ownB.refreshToken, '40105', 'wrong-realm'),
      as('the other API’s refresh token', r.other.refreshToken, '40103', 'wrong-realm'),
      as('access token as refresh token', r.own.accessToken, '40103', 'wrong-realm'),
      as('auth ticket as refresh token', r.ticket, '40103', 'wrong-realm'),
    ];
  }
  if (bearer === 'ticket') {
    return [
      ...keyCases,
      ...common,
      as('ticket signed with another key', forged(r.ticket), '40103', 'wrong'),
      as('ticket with alg none', unsigned(r.ticket), '40103', 'wrong'),
      as('ticket already redeemed', r.own.usedTicket, '40103', 'revoked'),
      ...r.revokedTickets.map((tk) => as('ticket revoked by revoke_user', tk, '40103', 'revoked')),
      as('ticket past its expiry', r.ticket, '40104', 'expired', TICKET_TTL_SECONDS * 1000 + 1000),
      as('ticket of another project', r.ticketB, '40105', 'wrong-realm'),
      as('the other API’s ticket', r.otherTicket, '40103', 'wrong-realm'),
      as('access token as ticket', r.own.accessToken, '40103', 'wrong-realm'),
      as('refresh token as ticket', r.own.refreshToken, '40103', 'wrong-realm'),
    ];
  }
  return [
    ...keyCases,
    ...common,
    as('access token signed with another key', forged(r.own.accessToken), '40103', 'wrong'),
    as('access token with alg none', unsigned(r.own.accessToken), '40103', 'wrong'),
    ...r.ended.map(([how, s]) => as(`access token of a session ${how}`, s.accessToken, '40104', 'revoked')),
    as('access token superseded by a refresh', r.rotated[0].accessToken, '40104', 'revoked'),
    as('access token past its expiry', r.own.accessToken, '40104', 'expired', ttl.access * 1000 + 1000),
    as('access token of another project', r.ownB.accessToken, '40105', 'wrong-realm'),
    as('the other API’s access token', r.other.accessToken, '40104', 'wrong-realm'),
    as('auth ticket as access token', r.ticket, '40104', 'wrong-realm'),
    as('refresh token as access token', r.own.refreshToken, '40104', 'wrong-realm'),
  ];
}

const INBOX_SESSION_MS = 12 * 60 * 60 * 1000;

function inboxCases(cr: Credentials, csrf: boolean): Case[] {
  const { live, other, loggedOut } = cr.inbox;
  const cookie = (value: string, token = live.csrf): Headers => ({ cookie: `parley_inbox=${value}`, 'x-parley-csrf': token });
  const cases = [
    c('no', 'no cookie', { 'x-parley-csrf': live.csrf }, '40131'),
    c('no', 'an empty cookie', cookie(''), '40131'),
    c('malformed', 'a cookie that cannot be a session', cookie('not a session'), '40132'),
    c('wrong', 'an unknown session', cookie(`${newId('agentSession')}.${newSecret()}`), '40132'),
    c('wrong', 'a session id with a wrong secret', cookie(`${live.cookie.split('.')[0]}.${newSecret()}`), '40132'),
    c('revoked', 'a signed-out session', cookie(loggedOut.cookie, loggedOut.csrf), '40132'),
    c('expired', 'a session 12 hours after its last use', cookie(live.cookie), '40133', INBOX_SESSION_MS + 1),
    c('wrong-realm', 'a visitor’s access token instead', { 'secret-key': cr.a.appSecret, authorization: `Bearer ${cr.lc.accessToken}` }, '40131'),
    c('wrong-realm', 'a visitor’s access token as the cookie', cookie(cr.lc.accessToken), '40132'),
  ];
  if (!csrf) return cases;
  return [
    ...cases,
    c('wrong', 'the cookie without the CSRF header', { cookie: `parley_inbox=${live.cookie}` }, '40330'),
    c('wrong', 'the cookie with another session’s CSRF token', cookie(live.cookie, other.csrf), '40330'),
    c('wrong', 'the cookie and token sent from another site', { ...cookie(live.cookie), origin: 'https://evil.example' }, '40330'),
  ];
}

export function casesFor(realm: Realm, cr: Credentials, ttl: { access: number; refresh: number }): Case[] {
  const pt: ClientRealm = {
    header: 'app-key',
    key: (p) => p.app,
    own: cr.pt,
    ownB: cr.ptB,
    ticket: cr.tickets.pt,
    ticketB: cr.tickets.ptB,
    other: cr.lc,
    otherTicket: cr.tickets.lc,
    ended: [
      ['logged out', cr.ptLoggedOut],
      ['revoked by revoke_user', cr.ptServerRevoked],
    ],
    rotated: cr.ptRotated,
    revokedTickets: [cr.ptRevokedTicket],
    foreignKey: ['the Server-Key', cr.a.server],
  };
  const lc: ClientRealm = {
    header: 'secret-key',
    key: (p) => p.appSecret,
    own: cr.lc,
    ownB: cr.lcB,
    ticket: cr.tickets.lc,
    ticketB: cr.tickets.lcB,
    other: cr.pt,
    otherTicket: cr.tickets.pt,
    ended: [['logged out', cr.lcLoggedOut]],
    rotated: cr.lcRotated,
    revokedTickets: [],
    foreignKey: ['the Server-Key’s secret', cr.a.serverSecret],
  };
  switch (realm) {
    case 'public':
    case 'link':
      return [];
    case 'server':
      return keyCases('server-key', (p) => p.server, cr);
    case 'api':
      return [...keyCases('api-key', (p) => p.api, cr), c('no tier', 'API-Key of a project without a tier', { 'api-key': cr.apiWithoutTier }, '49900')];
    case 'client':
      return clientCases(pt, 'access', cr, ttl);
    case 'client-key-only':
      return clientCases(pt, 'none', cr, ttl);
    case 'client-ticket':
      return clientCases(pt, 'ticket', cr, ttl);
    case 'client-refresh':
      return clientCases(pt, 'refresh', cr, ttl);
    case 'visitor':
      return clientCases(lc, 'access', cr, ttl);
    case 'visitor-key-only':
      return clientCases(lc, 'none', cr, ttl);
    case 'visitor-ticket':
      return clientCases(lc, 'ticket', cr, ttl);
    case 'visitor-refresh':
      return clientCases(lc, 'refresh', cr, ttl);
    case 'inbox':
      return inboxCases(cr, true);
    case 'inbox-read':
      return inboxCases(cr, false);
    case 'inbox-optional':
      return inboxCases(cr, false).filter((k) => k.code !== '40131');
    case 'inbox-signin':
      return [c('wrong', 'a sign-in from another site', { origin: 'https://evil.example' }, '40330')];
  }
}

/** The valid credential of a realm, fresh where a call may use it up (logout, redemption, rotation). */
export async function goodHeaders(realm: Realm, cr: Credentials): Promise<Headers> {
  const bearer = (token: string) => `Bearer ${token}`;
  switch (realm) {
    case 'public':
    case 'link':
      return {};
    case 'server':
      return { 'server-key': cr.a.server };
    case 'api':
      return { 'api-key': cr.a.api };
    case 'client':
      return { 'app-key': cr.a.app, authorization: bearer((await cr.fresh.pt()).accessToken) };
    case 'client-key-only':
      return { 'app-key': cr.a.app };
    case 'client-ticket':
      return { 'app-key': cr.a.app, authorization: bearer(await cr.fresh.ptTicket()) };
    case 'client-refresh':
      return { 'app-key': cr.a.app, authorization: bearer((await cr.fresh.pt()).refreshToken) };
    case 'visitor':
      return { 'secret-key': cr.a.appSecret, authorization: bearer((await cr.fresh.lc()).accessToken) };
    case 'visitor-key-only':
      return { 'secret-key': cr.a.appSecret };
    case 'visitor-ticket':
      return { 'secret-key': cr.a.appSecret, authorization: bearer(await cr.fresh.lcTicket()) };
    case 'visitor-refresh':
      return { 'secret-key': cr.a.appSecret, authorization: bearer((await cr.fresh.lc()).refreshToken) };
    case 'inbox':
    case 'inbox-optional':
    case 'inbox-read': {
      const s = await cr.fresh.inbox();
      return { cookie: `parley_inbox=${s.cookie}`, 'x-parley-csrf': s.csrf };
    }
    case 'inbox-signin':
      return {};
  }
}

/** Codes that mean "your credential was refused" (or a defect): a valid credential must get none of them. */
const INBOX_REFUSALS = ['40131', '40132', '40133', '40330'];
export const REFUSALS = new Set([
  ...INBOX_REFUSALS,
  '40001',
  '40101',
  '40102',
  '40103',
  '40104',
  '40105',
  '40106',
  '49102',
  '49103',
  '49900',
  '42900',
  '50000',
]);
/** Credential headers of every realm, all junk: a public route must not care. */
export const JUNK: Headers = { 'server-key': 'junk', 'api-key': 'junk', 'app-key': 'junk', 'secret-key': 'junk', authorization: 'Bearer junk' };
