// Property-based fuzzing of every endpoint over real HTTP: random and malformed JSON, wrong types,
// huge and nested values, unicode edge cases, odd and repeated headers, good and bad keys and tokens.
// Every answer must be a well-formed envelope, never a 5xx, and the server must live on.
// A failure prints fast-check's seed; replay it with PARLEY_FUZZ_SEED=<seed>.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { CreatedProject } from '../../src/services/projects.ts';
import type { DialectName } from '../../src/storage/dialect.ts';
import { type TestDatabase, createTestDatabase, dialectAvailable } from '../support/databases.ts';
import {
  FULL,
  type Outcome,
  type ServerProcess,
  SYNC_PATH,
  TICKET_PATH,
  call,
  createProject,
  ensureBuilt,
  envelopeProblem,
  keepAlive,
  killAll,
  procStats,
  send,
  size,
  startServer,
  ticketBody,
} from './support.ts';
import { CLIENT_PATHS, CLIENT_PREFIX, EDGE, type HttpRequest, type TokenKind, fuzzRequest, loneSurrogate, toHttp } from './fuzz-requests.ts';
import { rawFuzz } from './raw-http.ts';

/** Full mode: 100,000 on SQLite and 30,000 more on PostgreSQL. */
const REQUESTS = (dialect: DialectName) => (dialect === 'sqlite' ? size(5_000, 100_000) : 30_000);
const LIMITED_REQUESTS = size(500, 5_000);
const RAW_REQUESTS = size(300, 5_000);
const BATCH = 24;
const SEED = process.env.PARLEY_FUZZ_SEED === undefined ? undefined : Number(process.env.PARLEY_FUZZ_SEED);

// ---- the suite ---------------------------------------------------------------------------------
const CASES: DialectName[] = FULL ? ['sqlite', 'postgres'] : ['sqlite'];

before(ensureBuilt);
after(killAll);

for (const dialect of CASES) {
  describe(`fuzz [${dialect}]`, { skip: (await dialectAvailable(dialect)) ? false : 'PostgreSQL unreachable' }, () => {
    let database: TestDatabase;
    let project: CreatedProject;
    let server: ServerProcess;
    const agent: http.Agent = keepAlive(BATCH);
    const tokens: Record<TokenKind, string[]> = { ticket: [], access: [], refresh: [], liveTicket: [], liveAccess: [], liveRefresh: [] };
    const codes = new Map<string, number>();
    let sent = 0; // varies the replenishing flows' users

    const keep = (kind: TokenKind, token: unknown) => {
      if (typeof token !== 'string') return;
      tokens[kind].push(token);
      if (tokens[kind].length > 30) tokens[kind].shift();
    };
    /** Real flows keep a supply of live tickets, access and refresh tokens to mix in. */
    async function replenish(base: URL) {
      sent += 2;
      const pt = await call(agent, base, TICKET_PATH, { 'server-key': project.serverKey.header }, ticketBody(`fz-${sent % 40}`, sent));
      const pt2 = await call(agent, base, TICKET_PATH, { 'server-key': project.serverKey.header }, ticketBody(`fz-${(sent + 1) % 40}`, sent));
      const lt = await call(
        agent,
        base,
        '/api/integration/v1/user/request_auth_ticket',
        { 'api-key': project.apiKey },
        { customerUserID: `fz-live-${sent % 40}`, fullName: 'Live' },
      );
      const lt2 = await call(
        agent,
        base,
        '/api/integration/v1/user/request_auth_ticket',
        { 'api-key': project.apiKey },
        { customerUserID: `fz-live-${(sent + 1) % 40}`, fullName: 'Live' },
      );
      keep('ticket', pt.data.ticket);
      keep('liveTicket', lt.data.ticket);
      const s = await call(agent, base, '/v1/auth/access_token/request', {
        'app-key': project.appKey.header,
        authorization: `Bearer ${String(pt2.data.ticket)}`,
      });
      const l = await call(agent, base, '/api/visitor/v1/auth/access_token/request', {
        'secret-key': project.appKey.secret,
        authorization: `Bearer ${String(lt2.data.ticket)}`,
      });
      keep('access', s.data.accessToken);
      keep('refresh', s.data.refreshToken);
      keep('liveAccess', l.data.accessToken);
      keep('liveRefresh', l.data.refreshToken);
    }

    /** What is wrong with one exchange, or undefined. */
    function judge(req: HttpRequest, o: Outcome): string | undefined {
      const oversize = req.body !== undefined && Buffer.byteLength(req.body) > 65_536;
      if (o.kind === 'error') return oversize && ['ECONNRESET', 'EPIPE'].includes(o.code) ? undefined : `network error ${o.code}`;
      if (o.status >= 500) return `HTTP ${o.status}: ${o.text.slice(0, 300)}`;
      if (req.method === 'HEAD') return undefined;
      const problem = envelopeProblem(o.text);
      if (problem !== undefined) return `HTTP ${o.status}, not an envelope (${problem})`;
      const env = JSON.parse(o.text) as { status: number; error: { code: string } };
      codes.set(env.error.code || '200', (codes.get(env.error.code || '200') ?? 0) + 1);
      if (env.status >= 500) return `envelope ${env.status}: ${o.text.slice(0, 300)}`;
      // Client APIs answer HTTP 200 with the status in the envelope; everything else HTTP = envelope status.
      const path = req.path.split('?')[0] ?? '';
      const clientRoute = CLIENT_PATHS.has(path) || CLIENT_PREFIX.test(path);
      if (o.status !== env.status && !(o.status === 200 && clientRoute)) return `HTTP ${o.status} but envelope ${env.status}`;
      return undefined;
    }

    before(async () => {
      database = await createTestDatabase(dialect);
      project = await createProject(database.url);
      // One user's token sends most client calls: the per-user rate would turn them away before the handlers.
      server = await startServer(database.url, { PARLEY_CLIENT_CALL_RATE: '0' });
      await replenish(server.url);
    });
    after(async () => {
      agent.destroy();
      await killAll();
      await database?.drop();
    });

    /** Sends `count` generated requests to `target` in concurrent batches; fails on the first bad answer. */
    async function fuzz(target: ServerProcess, count: number): Promise<number> {
      let batches = 0;
      let done = 0;
      let firstProblem: string | undefined;
      while (done < count) {
        const run = fc.assert(
          fc.asyncProperty(fc.array(fuzzRequest, { minLength: 1, maxLength: BATCH }), async (batch) => {
            if (++batches % 10 === 0) await replenish(server.url);
            const reqs = batch.map((r) => toHttp(r, project, tokens));
            const outcomes = await Promise.all(reqs.map((r) => send(agent, target.url, r, 20_000)));
            done += reqs.length;
            outcomes.forEach((o, i) => {
              const req = reqs[i] as (typeof reqs)[number];
              const problem = judge(req, o);
              if (problem !== undefined) {
                const shown = { ...req, body: typeof req.body === 'string' ? req.body.slice(0, 500) : req.body?.subarray(0, 100).toString('hex') };
                firstProblem ??= `${problem}\nrequest: ${JSON.stringify(shown)}`;
                throw new Error(`${problem}\nrequest: ${JSON.stringify(shown)}`);
              }
            });
            assert.equal(target.child.exitCode, null, `the server died:\n${target.tail()}`);
          }),
          { numRuns: 25, ...(SEED === undefined ? {} : { seed: SEED }) },
        );
        // The first failure, before fast-check shrinks it (and prints the whole batch).
        await run.catch((err: unknown) => assert.fail(`${firstProblem ?? ''}\n\n${String(err).slice(0, 20_000)}`));
      }
      return done;
    }

    it(`${REQUESTS(dialect)} random requests: envelopes only, no 5xx`, { timeout: size(170_000, 1_500_000) }, async () => {
      const started = performance.now();
      const sent = await fuzz(server, REQUESTS(dialect));
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `fuzz [${dialect}]: ${sent} requests in ${seconds.toFixed(1)} s (server CPU ${procStats(server.pid).cpuSeconds.toFixed(1)} s); envelope codes:`,
        JSON.stringify(Object.fromEntries([...codes].sort())),
      );
      assert.ok((codes.get('200') ?? 0) > sent / 50, 'enough requests got through to the handlers');
    });

    it('with low rate and brute-force limits, the 429s are envelopes too', async () => {
      const limited = await startServer(database.url, { PARLEY_RATE_LIMIT: '40', PARLEY_AUTH_FAILURES_PER_ADDRESS: '5', PARLEY_AUTH_FAILURES_PER_KEY: '5' });
      codes.clear();
      await fuzz(limited, LIMITED_REQUESTS);
      assert.ok((codes.get('42900') ?? 0) > 0, 'some requests were limited');
      assert.deepEqual(limited.problems, []);
      limited.child.kill('SIGTERM');
      assert.equal((await limited.exited).code, 0);
    });

    it('raw sockets: truncated bodies, bad framing and malformed HTTP never get a 5xx or kill the server', async () => {
      const results = await rawFuzz(server.url, RAW_REQUESTS, project.apiKey, SEED);
      const fiveXX = results.filter((r) => r.responses.some((x) => x.status >= 500));
      assert.deepEqual(
        fiveXX.map((r) => r.request.slice(0, 300)),
        [],
      );
      const nonEnvelope = results.filter((r) => r.responses.some((x) => x.status !== 100 && envelopeProblem(x.body) !== undefined));
      console.log(
        `raw [${dialect}]: ${results.length} connections, ${results.reduce((n, r) => n + r.responses.length, 0)} responses, ${nonEnvelope.length} with a non-envelope response`,
      );
      assert.equal(server.child.exitCode, null, `the server died:\n${server.tail()}`);
    });

    it('raw sockets: every answer is an envelope; a bare OPTIONS gets the preflight 204', async () => {
      const results = await rawFuzz(server.url, 100, project.apiKey, SEED);
      const options = await send(agent, server.url, { method: 'OPTIONS', path: '/v1/client/project_configs' });
      assert.ok(options.kind === 'response');
      // A bare OPTIONS is answered like a CORS preflight: 204, no body (a 204 carries none).
      assert.equal(options.status, 204, `OPTIONS: HTTP ${options.status} ${options.text}`);
      assert.equal(options.text, '');
      for (const r of results)
        for (const x of r.responses)
          if (x.status !== 100 && x.status !== 204)
            assert.equal(envelopeProblem(x.body), undefined, `${JSON.stringify(r.request.slice(0, 200))} → HTTP ${x.status} ${x.body}`);
    });

    it('distinct xcUserIDs and customerUserIDs (unicode edge cases) never share a user or contact', async () => {
      const id = fc
        .array(fc.oneof(loneSurrogate, fc.constantFrom(...EDGE), fc.string({ unit: 'binary', maxLength: 3 })), { minLength: 1, maxLength: 4 })
        .map((a) => a.join(''));
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(id, id).filter(([a, b]) => a.trim() !== b.trim()),
          fc.nat(),
          async ([a, b], n) => {
            const users = await Promise.all(
              [a, b].map((x) =>
                call(agent, server.url, TICKET_PATH, { 'server-key': project.serverKey.header }, JSON.stringify(ticketBody(`uni-${n}-${x}`, n))),
              ),
            );
            if (users.every((u) => u.status === 200))
              assert.notEqual(users[0]?.data.userID, users[1]?.data.userID, `${JSON.stringify(a)} and ${JSON.stringify(b)} are one user`);
            const contacts = await Promise.all(
              [a, b].map((x) =>
                call(agent, server.url, SYNC_PATH, { 'api-key': project.apiKey }, JSON.stringify({ customerUserID: `uni-${n}-${x}`, fullName: 'Unicode' })),
              ),
            );
            for (const c of contacts) assert.ok(c.status === 200 || c.error.code === '40002', `${JSON.stringify([a, b])}: ${JSON.stringify(c.error)}`);
            if (contacts.every((c) => c.status === 200)) assert.notEqual(contacts[0]?.data.userID, contacts[1]?.data.userID);
          },
        ),
        { numRuns: size(100, 500), ...(SEED === undefined ? {} : { seed: SEED }) },
      );
    });

    it('the server is alive, serves a valid request, and logged no error', async () => {
      assert.equal(server.child.exitCode, null);
      const res = await call(agent, server.url, TICKET_PATH, { 'server-key': project.serverKey.header }, ticketBody('after-fuzz'));
      assert.equal(res.status, 200);
      assert.deepEqual(server.problems, []);
    });
  });
}
