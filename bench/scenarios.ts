// What each scenario sends: its Lua script (bench/lua) and the arguments the script gets.
import { PATHS, type Project } from './setup.ts';

export const SCENARIO_IDS = [
  'ticket_existing',
  'ticket_new',
  'ticket_mixed',
  'sync_create',
  'sync_update',
  'onetalk_ticket',
  'token_request',
  'token_refresh',
  'connect_check',
  'scale_ticket_existing',
  'scale_sync_update',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** What the server was primed with (bench/run.ts). */
export interface ScenarioContext {
  project: Project;
  /** The user of the existing-user ticket scenarios and the contact of sync_contact update. */
  existing: { xcUserID: string; customerUserID: string; phone: string };
  onetalk: { customerUserID: string; phone: string };
  accessToken: string;
  ticketPool: string;
  refreshPool: string;
  refreshPerThread: number;
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  lua: 'ticket' | 'contact' | 'redeem' | 'refresh' | 'connect';
  /** Runs on the database preloaded with users and contacts. */
  scale: boolean;
  /** The tickets it issues are kept as the pool of access_token/request. */
  captureTickets?: boolean;
  /** Single-use input: the runner gives every wrk invocation its own slice. */
  pool?: 'tickets' | 'refresh';
  /** Scale scenarios: the empty-database figure they are compared with. */
  reference?: ScenarioId;
  args(ctx: ScenarioContext): Record<string, string>;
}

const ticket = (ctx: ScenarioContext, mode: 'existing' | 'new' | 'mixed') => ({
  key: ctx.project.serverKey.header,
  path: PATHS.ticket,
  mode,
  xc: ctx.existing.xcUserID,
});

const contact = (ctx: ScenarioContext, path: string, mode: 'create' | 'update', keys = ctx.existing) => ({
  key: ctx.project.apiKey,
  path,
  mode,
  cuid: keys.customerUserID,
  phone: keys.phone,
});

export const SCENARIOS: readonly Scenario[] = [
  { id: 'ticket_existing', title: 'auth_ticket/request, existing user', lua: 'ticket', scale: false, captureTickets: true, args: (c) => ticket(c, 'existing') },
  { id: 'ticket_new', title: 'auth_ticket/request, new user per request', lua: 'ticket', scale: false, captureTickets: true, args: (c) => ticket(c, 'new') },
  // A morning's mix: returning users (1,000 per wrk thread, in turn) and one sign-up in 50 requests.
  { id: 'ticket_mixed', title: 'auth_ticket/request, 1,000 returning users a thread, 2 % new', lua: 'ticket', scale: false, args: (c) => ticket(c, 'mixed') },
  { id: 'sync_create', title: 'sync_contact, create (unique keys)', lua: 'contact', scale: false, args: (c) => contact(c, PATHS.syncContact, 'create') },
  { id: 'sync_update', title: 'sync_contact, update (same keys)', lua: 'contact', scale: false, args: (c) => contact(c, PATHS.syncContact, 'update') },
  {
    id: 'onetalk_ticket',
    title: 'OneTalk request_auth_ticket (existing contact)',
    lua: 'contact',
    scale: false,
    args: (c) => contact(c, PATHS.onetalkTicket, 'update', { ...c.existing, ...c.onetalk }),
  },
  {
    id: 'token_request',
    title: 'access_token/request (ticket redemption)',
    lua: 'redeem',
    scale: false,
    pool: 'tickets',
    args: (c) => ({ key: c.project.appKey.header, path: PATHS.tokenRequest, pool: c.ticketPool }),
  },
  {
    id: 'token_refresh',
    title: 'access_token/refresh (one-time refresh token)',
    lua: 'refresh',
    scale: false,
    pool: 'refresh',
    args: (c) => ({ key: c.project.appKey.header, path: PATHS.tokenRefresh, pool: c.refreshPool, per_thread: String(c.refreshPerThread) }),
  },
  {
    id: 'connect_check',
    title: 'GET /connect?check=1',
    lua: 'connect',
    scale: false,
    args: (c) => ({ key: c.project.appKey.header, path: PATHS.connect, token: c.accessToken }),
  },
  {
    id: 'scale_ticket_existing',
    title: 'auth_ticket/request, existing user, preloaded',
    lua: 'ticket',
    scale: true,
    reference: 'ticket_existing',
    args: (c) => ticket(c, 'existing'),
  },
  {
    id: 'scale_sync_update',
    title: 'sync_contact, update, preloaded',
    lua: 'contact',
    scale: true,
    reference: 'sync_update',
    args: (c) => contact(c, PATHS.syncContact, 'update'),
  },
];

/** The baselines send the ticket scenario's exact requests. */
export const BASELINE_ARGS = (project: Project) => ({ key: project.serverKey.header, path: PATHS.ticket, mode: 'existing', xc: '6' });
