// Project creation through the admin CLI and the requests that prepare a server for its scenarios:
// the existing user and contacts, one access token, and the sessions the refresh scenario starts from.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { POWERTALK_SEED_REQUEST } from '../test/support/fixtures.ts';

const run = promisify(execFile);

export interface Project {
  projectID: string;
  serverKey: { header: string };
  apiKey: string;
  appKey: { header: string };
}

export async function createProject(root: string, databaseUrl: string): Promise<Project> {
  const { stdout } = await run('node', ['bin/parley.js', 'project', 'create', '--name', 'bench', '--tier', 'free', '--json', '--database', databaseUrl], {
    cwd: root,
    env: { ...process.env, PARLEY_LOG_LEVEL: 'warn' },
  });
  return JSON.parse(stdout) as Project;
}

export const PATHS = {
  ticket: '/v1/server/auth_ticket/request',
  syncContact: '/api/integration/v1/user/sync_contact',
  onetalkTicket: '/api/integration/v1/user/request_auth_ticket',
  tokenRequest: '/v1/auth/access_token/request',
  tokenRefresh: '/v1/auth/access_token/refresh',
  connect: '/connect?check=1',
} as const;

interface Envelope {
  status: number;
  error: { code: string; message: string };
  data: Record<string, unknown>;
}

/** The body of the ticket scenario: the seed's example (bench/lua/ticket.lua sends the same one). */
export const ticketBody = (xcUserID: string) => ({ ...POWERTALK_SEED_REQUEST, xcUserID });

export class Client {
  constructor(
    readonly baseUrl: string,
    readonly project: Project,
  ) {}

  private async call(path: string, headers: Record<string, string>, body?: unknown): Promise<{ text: string; envelope: Envelope }> {
    const res = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? '' : JSON.stringify(body),
    });
    const text = await res.text();
    const envelope = JSON.parse(text) as Envelope;
    if (res.status !== 200 || envelope.status !== 200) throw new Error(`${path} answered ${res.status}: ${text}`);
    return { text, envelope };
  }

  /** Issues a ticket; also returns the response's length in bytes (the baselines answer as much). */
  async ticket(xcUserID: string): Promise<{ ticket: string; bytes: number }> {
    const { text, envelope } = await this.call(PATHS.ticket, { 'Server-Key': this.project.serverKey.header }, ticketBody(xcUserID));
    return { ticket: envelope.data.ticket as string, bytes: Buffer.byteLength(text) };
  }

  async redeem(ticket: string): Promise<{ accessToken: string; refreshToken: string; user: Record<string, unknown> }> {
    const { envelope } = await this.call(PATHS.tokenRequest, { 'App-Key': this.project.appKey.header, Authorization: `Bearer ${ticket}` });
    const { accessToken, refreshToken, user } = envelope.data as { accessToken: string; refreshToken: string; user: Record<string, unknown> };
    return { accessToken, refreshToken, user };
  }

  async contact(path: string, customerUserID: string, phone: string): Promise<void> {
    await this.call(path, { 'API-Key': this.project.apiKey }, { customerUserID, fullName: 'John Doe', phone });
  }
}

/** Runs `work` for 0..n-1 with `concurrency` at a time. */
export async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/** Creates `count` sessions (one ticket and one redemption each) and writes their refresh tokens, one a line. */
export async function mintSessions(client: Client, count: number, file: string): Promise<void> {
  const tokens: string[] = new Array<string>(count);
  await pool(count, 16, async (i) => {
    const { ticket } = await client.ticket(`bench-refresh-${i}`);
    tokens[i] = (await client.redeem(ticket)).refreshToken;
  });
  writeFileSync(file, `${tokens.join('\n')}\n`);
}
