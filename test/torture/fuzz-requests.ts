// What the fuzz suite sends: arbitraries for every endpoint's requests (methods, paths, key headers,
// Bearer tokens, odd headers, bodies from plausible to hostile) and their rendering as HTTP requests.
import type http from 'node:http';
import fc from 'fast-check';
import type { CreatedProject } from '../../src/services/projects.ts';
import { SYNC_PATH, TICKET_PATH } from './support.ts';

export type Realm = 'server' | 'api' | 'app' | 'secret';
export type TokenKind = 'ticket' | 'access' | 'refresh' | 'liveTicket' | 'liveAccess' | 'liveRefresh';
const TICKET_FIELDS = [
  'userIPAddress',
  'userAgent',
  'userPlatform',
  'userDeviceID',
  'xcUserID',
  'fullName',
  'email',
  'phone',
  'username',
  'photoThumbnailURL',
  'photoFullsizeURL',
  'userRoleCode',
];
const CONTACT_FIELDS = ['customerUserID', 'fullName', 'alias', 'email', 'phone', 'photoURL'];
/** The chat endpoints of the client API (an access token each) and their body fields. */
const CHAT_ENDPOINTS: Array<[string, string[]]> = [
  ['/v1/chat/message/room_list_and_unread', []],
  ['/v1/chat/message/new_and_updated', []],
  ['/v1/chat/message/list_by_room/before', ['roomID', 'maxCreated', 'limit']],
  ['/v1/chat/message/list_by_room/after', ['roomID', 'minCreated', 'lastUpdated']],
  ['/v1/chat/message/feedback/delivered', ['messageIDs']],
  ['/v1/chat/message/feedback/read', ['messageIDs']],
  ['/v1/chat/message/delete', ['roomID', 'messageIDs', 'forEveryone']],
  ['/v1/client/room/create', ['name', 'type', 'userIDs']],
  ['/v1/client/room/get', ['roomID']],
  ['/v1/client/room/get_by_xc_room_id', ['xcRoomID']],
  ['/v1/client/room/update', ['roomID', 'name']],
  ['/v1/client/room/delete', ['roomID', 'checksum']],
  ['/v1/client/room/leave', ['roomID']],
  ['/v1/client/room/participants/add', ['roomID', 'userIDs']],
  ['/v1/client/room/participants/remove', ['roomID', 'userIDs']],
  ['/v1/client/room/admins/promote', ['roomID', 'userIDs']],
  ['/v1/client/room/admins/demote', ['roomID', 'userIDs']],
  ['/v1/client/room/get_pinned_room_ids', []],
  ['/v1/client/room/get_muted_room_ids', []],
  ['/v1/client/room/get_unread_room_ids', []],
  ['/v1/client/contact/list', []],
  ['/v1/client/contact/add', ['userID']],
  ['/v1/client/contact/remove', ['userID']],
  ['/v1/client/user/get_by_username', ['username', 'ignoreCase']],
  ['/v1/client/contact/block', ['userID']],
  ['/v1/client/contact/unblock', ['userID']],
  ['/v1/client/contact/get_blocked_list', []],
  ['/v1/client/contact/get_blocked_user_ids', []],
  ['/v1/client/contact/add_by_phones', ['phones']],
  ['/v1/client/chat_report/submit_user', ['userID', 'category', 'isOtherCategory', 'reason']],
  ['/v1/client/chat_report/submit_message', ['messageID', 'roomID', 'category', 'isOtherCategory', 'reason']],
  ['/v1/client/user/update_bio', ['bio']],
  ['/v1/client/user/get_all_by_ids', ['ids']],
  ['/v1/client/user/exists/username', ['username', 'ignoreCase']],
  ['/v1/client/push_notification/update', ['fcmToken', 'apnToken']],
  ['/v1/chat/message/send/custom', ['roomID', 'recipientUserID', 'localID', 'messageType', 'body', 'data', 'filterID', 'isHidden']],
  ['/v1/chat/scheduled_message/get_scheduled_list', ['roomID']],
  ['/v1/chat/scheduled_message/create', ['message', 'scheduledTime']],
  ['/v1/chat/scheduled_message/send_now', ['ids', 'roomID']],
  ['/v1/chat/scheduled_message/edit_scheduled_time', ['id', 'scheduledTime']],
  ['/v1/chat/scheduled_message/edit_content', ['id', 'message']],
  ['/v1/chat/scheduled_message/delete', ['ids', 'roomID']],
  // sdk-state
  ['/v1/client/room/get_room_ids_with_state', []],
  ['/v1/client/room/mute', ['roomIDs', 'expiredAt']],
  ['/v1/client/room/unmute', ['roomIDs']],
  ['/v1/client/room/pin', ['roomIDs']],
  ['/v1/client/room/unpin', ['roomIDs']],
  ['/v1/client/room/mark_as_unread', ['roomIDs']],
  ['/v1/client/room/clear_chat', ['roomIDs']],
  ['/v1/client/room/groups_in_common', ['userID']],
  ['/v1/chat/message/star', ['roomID', 'messageIDs']],
  ['/v1/chat/message/unstar', ['roomID', 'messageIDs']],
  ['/v1/chat/message/get_starred_list', ['roomID', 'pageNumber', 'pageSize']],
  ['/v1/chat/message/get_starred_ids', ['roomID']],
  ['/v1/chat/message/pin', ['roomID', 'messageIDs']],
  ['/v1/chat/message/unpin', ['roomID', 'messageIDs']],
  ['/v1/chat/message/get_pinned_list', ['roomID', 'pageNumber', 'pageSize']],
  ['/v1/chat/message/get_pinned_ids', ['roomID']],
  ['/v1/chat/message/get_details', ['messageID']],
  ['/v1/chat/message/get_total_read', ['messageID']],
  ['/v1/chat/room/get_shared_content', ['roomID', 'minCreated', 'maxCreated', 'sortOrder']],
  // sdk-files (the multipart ones get JSON here: refused with 40002, never a 5xx)
  ['/v1/chat/file/upload', ['roomID', 'file', 'caption', 'fileType']],
  ['/v1/chat/file/download', ['roomID', 'fileID']],
  ['/v1/client/user/photo/upload', ['file']],
  ['/v1/client/user/photo/get_list', ['userID']],
  ['/v1/client/user/photo/set_main', ['id']],
  ['/v1/client/user/photo/delete', ['id', 'createdTime']],
  ['/v1/client/room/photo/upload', ['roomID', 'file']],
];
/** Every endpoint, with its key header's realm, its body fields and the token it takes as Bearer. */
export const ENDPOINTS: Array<{ path: string; realm: Realm; method?: string; fields?: string[]; token?: TokenKind }> = [
  { path: TICKET_PATH, realm: 'server', fields: TICKET_FIELDS },
  { path: '/v1/server/session/revoke_user', realm: 'server', fields: ['xcUserID'] },
  { path: '/v1/server/session/revoke_all', realm: 'server', fields: ['before'] },
  { path: SYNC_PATH, realm: 'api', fields: CONTACT_FIELDS },
  { path: '/api/integration/v1/user/request_auth_ticket', realm: 'api', fields: CONTACT_FIELDS },
  { path: '/v1/client/project_configs', realm: 'app' },
  { path: '/v1/auth/access_token/request', realm: 'app', token: 'ticket' },
  { path: '/v1/auth/access_token/refresh', realm: 'app', token: 'refresh' },
  { path: '/connect?check=1', realm: 'app', method: 'GET', token: 'access' },
  { path: '/v1/client/logout', realm: 'app', token: 'access' },
  { path: '/v1/client/user/get_by_id', realm: 'app', fields: ['id'], token: 'access' },
  { path: '/v1/client/user/get_by_xcuserid', realm: 'app', fields: ['xcUserID'], token: 'access' },
  ...CHAT_ENDPOINTS.map(([path, fields]) => ({ path, realm: 'app' as const, fields, token: 'access' as const })),
  { path: '/api/visitor/v1/auth/access_token/request', realm: 'secret', token: 'liveTicket' },
  { path: '/api/visitor/v1/auth/access_token/refresh', realm: 'secret', token: 'liveRefresh' },
  { path: '/api/visitor/v1/client/user/get', realm: 'secret', token: 'liveAccess' },
  { path: '/api/visitor/v1/logout', realm: 'secret', token: 'liveAccess' },
];
export const CLIENT_PATHS = new Set(ENDPOINTS.filter((e) => e.realm === 'app' || e.realm === 'secret').map((e) => e.path.split('?')[0]));
/** Paths under the client realms, served or not: every answer there comes with HTTP 200 (docs/people.md). */
export const CLIENT_PREFIX = /^\/(v1\/(client|chat|auth)|api\/visitor)\//;

// ---- arbitraries -------------------------------------------------------------------------------
export const latin1 = (max: number) =>
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength: max,
  });
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
export const EDGE = [
  '\u0000',
  'a\u0000b',
  '\u202eevil\u202c',
  'مرحبا بالعالم',
  '👨‍👩‍👧‍👦',
  '🏳️‍🌈',
  '\ufeff',
  'e\u0301',
  '\u200b\u200d',
  'İı',
  '   ',
  '',
  '\r\n\t',
  '\\',
  '"',
  '\u2028\u2029',
  '𝕏',
  '\uffff',
];
const edgeString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(...EDGE),
  fc.array(fc.oneof(loneSurrogate, fc.constantFrom(...EDGE), fc.string({ maxLength: 3 })), { maxLength: 6 }).map((a) => a.join('')),
  fc.tuple(fc.string({ maxLength: 3 }), fc.integer({ min: 40, max: 5000 })).map(([s, n]) => s.repeat(n)),
);
const phone = fc.oneof(
  fc.nat(40).map((n) => `+62 812 3000 ${String(n).padStart(4, '0')}`),
  fc.stringMatching(/^\+?[0-9 ().-]{0,24}$/),
);
const VALID: Record<string, fc.Arbitrary<string>> = {
  userIPAddress: fc.oneof(fc.ipV4(), fc.ipV6()),
  userPlatform: fc.constantFrom('android', 'ios', 'web', 'Web'),
  userDeviceID: fc.uuid(),
  xcUserID: fc.nat(40).map((n) => `fz-${n}`),
  customerUserID: fc.nat(40).map((n) => `fz-${n}`),
  email: fc.emailAddress(),
  phone,
  photoURL: fc.webUrl(),
  photoThumbnailURL: fc.webUrl(),
  photoFullsizeURL: fc.webUrl(),
  id: fc.oneof(fc.nat(60).map(String), fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String)),
};
const BEFORE = fc.oneof(fc.nat(), fc.double(), fc.bigInt()).map(String);
const userIds = fc.array(fc.oneof(fc.nat(60).map(String), fc.nat(60)), { maxLength: 5 }).map((a) => JSON.stringify(a));
/** Plausible values that are not strings, already as JSON text. */
const VALID_JSON: Record<string, fc.Arbitrary<string>> = {
  before: BEFORE,
  roomID: fc
    .oneof(
      fc.tuple(fc.nat(60), fc.nat(60)).map(([a, b]) => `${Math.min(a, b) + 1}-${Math.max(a, b) + 1}`),
      fc.stringMatching(/^[0-9a-z]{26}$/),
    )
    .map((s) => JSON.stringify(s)),
  messageIDs: userIds,
  userIDs: userIds,
  maxCreated: fc.oneof(fc.constant(0), fc.nat(), fc.double()).map(String),
  minCreated: fc.nat().map(String),
  lastUpdated: fc.nat().map(String),
  limit: fc.integer({ min: -5, max: 300 }).map(String),
  forEveryone: fc.boolean().map(String),
  ignoreCase: fc.boolean().map(String),
  type: fc.constantFrom('2', '1', '"2"'),
  userID: fc.oneof(
    fc.nat(60).map(String),
    fc.nat(60).map((n) => JSON.stringify(String(n))),
  ),
};
/** A plausible value for the field, as JSON text. */
const plausible = (field: string): fc.Arbitrary<string> =>
  VALID_JSON[field] ?? (VALID[field] ?? fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 })).map((s) => JSON.stringify(s));
/** Anything else, as JSON text (or not quite JSON). */
const weird: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: edgeString.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: edgeString.map((s) => `"${s}"`) }, // raw: unescaped quotes, controls and lone surrogates
  { weight: 3, arbitrary: fc.oneof(fc.constantFrom('null', 'true', 'false', '0', '-0', '1e400', '-1', '[]', '{}', '"__proto__"'), fc.json({ maxDepth: 2 })) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[]', '{"a":{}}')).map(([d, leaf]) => '['.repeat(d) + leaf + ']'.repeat(d)),
  },
);
const KEYS = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', ''),
  fc.string({ maxLength: 12 }),
);
type Mutation = { op: 'drop' | 'set' | 'repeat' | 'extra'; i: number; key: string; v: string };
/** A plausible object for the fields, then up to three mutations: a field dropped, replaced, repeated, or an extra key. */
const fieldsBody = (fields: string[]) =>
  fc
    .tuple(
      fc.tuple(...fields.map(plausible)),
      fc.array(
        fc.record({
          op: fc.constantFrom<Mutation['op']>('drop', 'set', 'set', 'repeat', 'extra'),
          i: fc.nat(fields.length - 1),
          key: KEYS,
          v: fc.oneof(weird, plausible('x')),
        }),
        { maxLength: 3 },
      ),
    )
    .map(([values, mutations]) => {
      const pairs: Array<[string, string] | undefined> = fields.map((f, i) => [f, values[i] as string]);
      for (const m of mutations) {
        const name = fields[m.i] as string;
        if (m.op === 'drop') pairs[m.i] = undefined;
        else if (m.op === 'set') pairs[m.i] = [name, m.v];
        else pairs.push(m.op === 'repeat' ? [name, m.v] : [m.key, m.v]);
      }
      return `{${pairs.flatMap((p) => (p === undefined ? [] : [`${JSON.stringify(p[0])}:${p[1]}`])).join(',')}}`;
    });
/** A body: JSON text, raw bytes (hex, to keep counterexamples short), or an oversize one of n bytes. */
type Body = string | undefined | { hex: string } | { oversize: number };
const body = (fields: string[]): fc.Arbitrary<Body> => {
  const object = fieldsBody(fields.length > 0 ? fields : ['id']);
  return fc.oneof(
    { weight: 14, arbitrary: object },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        undefined,
        '',
        '""',
        'null',
        '[]',
        '0',
        'true',
        ' \n',
        '\ufeff{}',
        '{"__proto__":{"xcUserID":"x","fullName":"y"}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
      ),
    },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 2, arbitrary: fc.tuple(object, fc.nat()).map(([b, n]) => b.slice(0, n % b.length)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((u) => ({ hex: Buffer.from(u).toString('hex') })) },
    { weight: 1, arbitrary: fc.integer({ min: 65_537, max: 400_000 }).map((oversize) => ({ oversize })) },
  );
};

type KeyChoice = { t: 'valid' | 'absent' | 'otherType' | 'wrongSecret' | 'repeated' | 'padded' } | { t: 'raw'; v: string };
const keyChoice: fc.Arbitrary<KeyChoice> = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom<KeyChoice>({ t: 'valid' }, { t: 'valid' }, { t: 'valid' }, { t: 'padded' }) },
  { weight: 4, arbitrary: fc.constantFrom<KeyChoice>({ t: 'absent' }, { t: 'otherType' }, { t: 'wrongSecret' }, { t: 'repeated' }) },
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        latin1(80),
        fc.uint8Array({ maxLength: 90 }).map((u) => Buffer.from(u).toString('base64')),
        fc
          .tuple(fc.constantFrom('srv', 'app', 'api', 'prj', 'rft'), fc.stringMatching(/^[0-9a-z]{26}$/), fc.stringMatching(/^[A-Za-z0-9_-]{0,130}$/))
          .chain(([p, id, s]) =>
            fc.constantFrom(
              Buffer.from(`${p}_${id}:${s}`).toString('base64'),
              `${p}_${id}.${s}`,
              Buffer.from(`${p}_${id}:${s}`).toString('base64').replace(/=+$/, ''),
              `${Buffer.from(`${p}_${id}`).toString('base64')}*`,
            ),
          ),
        fc.integer({ min: 500, max: 6000 }).map((n) => 'QUFB'.repeat(n / 4)),
      )
      .map((v): KeyChoice => ({ t: 'raw', v })),
  },
);
type AuthChoice = { t: 'absent' } | { t: 'raw'; v: string } | { t: 'token'; kind: TokenKind; i: number; prefix: string; tamper: number };
const TOKEN_KINDS: TokenKind[] = ['ticket', 'access', 'refresh', 'liveTicket', 'liveAccess', 'liveRefresh'];
const authChoice = (own: TokenKind | undefined): fc.Arbitrary<AuthChoice> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<AuthChoice>({ t: 'absent' }) },
    {
      weight: 8,
      arbitrary: fc.record({
        t: fc.constant('token' as const),
        kind:
          own === undefined
            ? fc.constantFrom(...TOKEN_KINDS)
            : fc.oneof({ weight: 3, arbitrary: fc.constant(own) }, { weight: 1, arbitrary: fc.constantFrom(...TOKEN_KINDS) }),
        i: fc.oneof(fc.constant(0), fc.nat()),
        prefix: fc.constantFrom('Bearer ', 'Bearer ', 'Bearer ', 'bearer  ', 'Basic ', ''),
        tamper: fc.oneof(fc.constant(-1), fc.constant(-1), fc.constant(-1), fc.nat()),
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          latin1(60),
          fc.constantFrom('Bearer', 'Bearer ', 'Bearer a b', 'Bearer eyJhbGciOiJub25lIn0.eyJwdXIiOiJhY2Nlc3MifQ.', 'Bearer rft_01abcdefghjkmnpqrstvwxyz0.x'),
          fc
            .json({ maxDepth: 2 })
            .map((j) => `Bearer ${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(j).toString('base64url')}.c2ln`),
        )
        .map((v): AuthChoice => ({ t: 'raw', v })),
    },
  );
const headerName = fc.oneof(
  fc.constantFrom(
    'x-request-id',
    'device-identifier',
    'device-platform',
    'x-forwarded-for',
    'accept-encoding',
    'content-encoding',
    'connection',
    'transfer-encoding',
    'origin',
    'cookie',
  ),
  fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,20}$/),
);
const ODD_VALUES: Record<string, string> = { connection: 'close', 'transfer-encoding': 'chunked', 'content-encoding': 'gzip' };

export interface FuzzRequest {
  endpoint: number;
  method: string;
  path: string;
  key: KeyChoice;
  auth: AuthChoice;
  contentType: string | string[] | undefined;
  headers: Array<[string, string]>;
  body: Body;
}
const PATHS = fc.oneof(
  fc.webPath(),
  fc.webPath().map((p) => `/v1${p}`),
  fc.tuple(fc.webPath(), fc.webQueryParameters()).map(([p, q]) => `/api/visitor${p}?${q}`),
  fc.integer({ min: 100, max: 8000 }).map((n) => `/${'a'.repeat(n)}`),
);
const CONTENT_TYPE = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
    ),
    latin1(40),
    fc.constant<string[]>(['application/json', 'text/plain']),
  ),
  { nil: undefined },
);
const HEADERS = fc.array(fc.tuple(headerName, latin1(60)), { maxLength: 4 });
/** One arbitrary per endpoint, built once: mostly its own method, path, key and token, then anything. */
export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  ...ENDPOINTS.map((e, endpoint) =>
    fc.record({
      endpoint: fc.constant(endpoint),
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant(e.method ?? 'POST') },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD') },
      ),
      path: fc.oneof(
        { weight: 14, arbitrary: fc.constant(e.path) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            `${e.path}/`,
            `/${e.path}`,
            e.path.toUpperCase(),
            `${e.path}%zz`,
            `${e.path}%00`,
            '/connect?check=%zz',
            '/connect',
            '/connect?check=0&check=1',
            '/v1/../v1/client/logout',
            '/%2e%2e/etc/passwd',
          ),
        },
        { weight: 1, arbitrary: PATHS.map((p) => (p.startsWith('/') ? p : `/${p}`)) },
      ),
      key: keyChoice,
      auth: authChoice(e.token),
      contentType: CONTENT_TYPE,
      headers: HEADERS,
      body: body(e.fields ?? []),
    }),
  ),
);

export type HttpRequest = { method: string; path: string; headers: http.OutgoingHttpHeaders; body: string | Buffer | undefined };

/** The wire request: key headers, tokens from the live pool (newest first), body bytes. */
export function toHttp(r: FuzzRequest, project: CreatedProject, tokens: Record<TokenKind, string[]>): HttpRequest {
  const keyValue = (realm: Realm): string =>
    ({ server: project.serverKey.header, api: project.apiKey, app: project.appKey.header, secret: project.appKey.secret })[realm];
  const e = ENDPOINTS[r.endpoint] as (typeof ENDPOINTS)[number];
  const realms: Realm[] = ['server', 'api', 'app', 'secret'];
  const other = realms[(realms.indexOf(e.realm) + 1 + (r.path.length % 3)) % 4] as Realm;
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, v] of r.headers) headers[name] = ODD_VALUES[name] ?? v;
  const k = r.key;
  const secret = 'A'.repeat(43);
  const header = { server: 'server-key', api: 'api-key', app: 'app-key', secret: 'secret-key' }[e.realm];
  if (k.t === 'valid') headers[header] = keyValue(e.realm);
  else if (k.t === 'padded') headers[header] = ` ${keyValue(e.realm)}\t`;
  else if (k.t === 'otherType') headers[header] = keyValue(other);
  else if (k.t === 'repeated') headers[header] = [keyValue(e.realm), keyValue(e.realm)];
  else if (k.t === 'raw') headers[header] = k.v;
  else if (k.t === 'wrongSecret') {
    const id = { server: project.serverKey.id, api: project.apiKey.split('.')[0], app: project.appKey.id, secret: '' }[e.realm];
    headers[header] = e.realm === 'api' ? `${id}.${secret}` : e.realm === 'secret' ? secret : Buffer.from(`${id}:${secret}`).toString('base64');
  }
  const a = r.auth;
  if (a.t === 'raw') headers.authorization = a.v;
  else if (a.t === 'token') {
    const pool = tokens[a.kind];
    let token = pool[pool.length - 1 - (a.i % Math.max(1, pool.length))] ?? ''; // i = 0: the newest
    if (a.tamper >= 0 && token.length > 0) {
      const at = a.tamper % token.length;
      token = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    }
    headers.authorization = `${a.prefix}${token}`;
  }
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  const b = r.body;
  const bytes = typeof b !== 'object' ? b : 'hex' in b ? Buffer.from(b.hex, 'hex') : Buffer.alloc(b.oversize, '{"a":"xxxxxxxx",');
  return { method: r.method, path: r.path, headers, body: r.method === 'GET' || r.method === 'HEAD' ? undefined : bytes };
}
