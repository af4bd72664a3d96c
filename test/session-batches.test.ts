// Ticket redemptions and refreshes arriving together. On PostgreSQL the calls of one event-loop turn
// share one multi-row statement (repos/session-batches.ts, storage/turn-batch.ts); on SQLite one
// group commit. Either way each call gets its own answer: a burst mixing good tickets with a used one,
// a revoked one and one presented twice, then a burst of refreshes with one replayed, on both APIs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TurnBatch } from '../src/storage/turn-batch.ts';
import { type TestApp, type Ticketed, createTestApp, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';

const TICKET_BODY = { userIPAddress: '10.0.0.1', userAgent: 'test', userPlatform: 'web', userDeviceID: 'device-1', fullName: 'Burst' };

interface Bundle {
  accessToken: string;
  refreshToken: string;
  user: { userID: string };
}
interface Answer {
  status: number;
  error: { code: string; message: string };
  data: Bundle;
}

describe('TurnBatch', () => {
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it("answers one turn's calls with one call of `many`, in order; a key seen twice waits for the next turn", async () => {
    const batches: number[][] = [];
    const b = new TurnBatch<number, string>(
      async (inputs) => {
        batches.push(inputs);
        return inputs.map((n) => `many ${n}`);
      },
      async (n) => `one ${n}`,
      (n) => String(n % 10),
    );
    const answers = await Promise.all([1, 2, 3, 11].map((n) => b.submit(n)));
    assert.deepEqual(answers, ['many 1', 'many 2', 'many 3', 'one 11']);
    assert.deepEqual(batches, [[1, 2, 3]], '11 shares its key with 1: it ran alone in the next turn');
  });

  it('when `many` fails, each call runs alone; when the database is down, all fail', async () => {
    let mode: 'bad' | 'down' = 'bad';
    const b = new TurnBatch<number, number>(
      async () => {
        throw mode === 'bad' ? new Error('deadlock detected') : Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
      async (n) => {
        if (n === 2) throw new Error('two is bad');
        return n * 10;
      },
      String,
    );
    const settled = await Promise.allSettled([1, 2, 3].map((n) => b.submit(n)));
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [10, 'two is bad', 30],
    );
    mode = 'down';
    await turn();
    const down = await Promise.allSettled([4, 5].map((n) => b.submit(n)));
    assert.deepEqual(
      down.map((s) => s.status === 'rejected' && (s.reason as { code?: string }).code),
      ['ECONNREFUSED', 'ECONNREFUSED'],
    );
  });
});

await eachDialect(describe, 'redemptions and refreshes arriving together', (dialect) => {
  let t: TestApp;
  let n = 0;
  const serverKey = () => ({ 'server-key': t.project.serverKey.header });

  before(async () => {
    t = await createTestApp(dialect);
  });
  after(() => t.close());

  async function ticketFor(xcUserID = `burst-${++n}`): Promise<Ticketed> {
    const res = await post<Ticketed>(t.app, '/v1/server/auth_ticket/request', serverKey(), { ...TICKET_BODY, xcUserID });
    assert.equal(res.status, 200);
    return res.body.data;
  }
  async function client(url: string, bearer: string, headers: Record<string, string>): Promise<Answer> {
    const res = await post(t.app, url, { ...headers, 'content-type': 'text/plain;charset=UTF-8', authorization: `Bearer ${bearer}` }, '""');
    assert.equal(res.status, 200);
    return res.body as unknown as Answer;
  }
  const appKey = () => ({ 'app-key': t.project.appKey.header });
  const redeem = (ticket: string) => client('/v1/auth/access_token/request', ticket, appKey());
  const refresh = (token: string) => client('/v1/auth/access_token/refresh', token, appKey());
  async function check(accessToken: string) {
    const res = await t.app.inject({ method: 'GET', url: '/connect?check=1', headers: { ...appKey(), authorization: `Bearer ${accessToken}` } });
    return (res.json() as { error: { code: string } }).error.code;
  }
  /** What the batch histogram counted so far: statements and calls (PostgreSQL only). */
  async function batchFigures(operation: string) {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const read = (suffix: string) => Number(text.match(new RegExp(`parley_pg_session_batch_calls_${suffix}\\{operation="${operation}"\\} (\\d+)`))?.[1] ?? 0);
    return { statements: read('count'), calls: read('sum') };
  }

  it('a burst of redemptions: each good ticket once, the used, revoked and doubled ones refused', async () => {
    await redeem((await ticketFor()).ticket); // warms the key cache, so the burst reaches the database together
    const good = await Promise.all(Array.from({ length: 30 }, () => ticketFor()));
    const used = await ticketFor();
    assert.equal((await redeem(used.ticket)).status, 200);
    const revoked = await ticketFor('burst-revoked');
    t.clock.advance(1);
    assert.equal((await post(t.app, '/v1/server/session/revoke_user', serverKey(), { xcUserID: 'burst-revoked' })).status, 200);
    const doubled = await ticketFor();
    const before = await batchFigures('redeem');

    const tickets = [...good.map((g) => g.ticket), used.ticket, revoked.ticket, doubled.ticket, doubled.ticket];
    const answers = await Promise.all(tickets.map(redeem));

    for (const [i, g] of good.entries()) {
      assert.equal(answers[i]?.status, 200, JSON.stringify(answers[i]?.error));
      assert.equal(answers[i]?.data.user.userID, g.userID, 'each redemption answers its own user');
      assert.equal(await check(answers[i]?.data.accessToken as string), '');
    }
    const [usedAnswer, revokedAnswer, ...doubledAnswers] = answers.slice(good.length);
    assert.deepEqual([usedAnswer?.error.code, usedAnswer?.error.message], ['40103', 'Auth ticket has already been used']);
    assert.deepEqual([revokedAnswer?.error.code, revokedAnswer?.error.message], ['40103', 'Auth ticket has been revoked']);
    assert.deepEqual(doubledAnswers.map((a) => a.status).sort(), [200, 401], 'a ticket presented twice in one burst is redeemed once');
    assert.equal(new Set(answers.filter((a) => a.status === 200).map((a) => a.data.accessToken)).size, good.length + 1);

    if (dialect === 'postgres') {
      const after = await batchFigures('redeem');
      assert.equal(after.calls - before.calls, tickets.length, 'every redemption went through a batch');
      assert.ok(after.statements - before.statements < tickets.length / 2, `shared statements: ${JSON.stringify({ before, after })}`);
    }

    // Then all their refreshes at once, one refresh token presented twice.
    const sessions = answers.slice(0, good.length).map((a) => a.data);
    const replayed = sessions[0] as Bundle;
    const beforeRefresh = await batchFigures('refresh');
    const renewed = await Promise.all([...sessions.map((s) => refresh(s.refreshToken)), refresh(replayed.refreshToken)]);
    for (const [i, s] of sessions.entries()) {
      if (i === 0) continue;
      assert.equal(renewed[i]?.status, 200, JSON.stringify(renewed[i]?.error));
      assert.equal(renewed[i]?.data.user.userID, s.user.userID);
      assert.equal(await check(renewed[i]?.data.accessToken as string), '');
      assert.equal(await check(s.accessToken), '40104', 'the refresh superseded the old access token');
    }
    const replays = [renewed[0], renewed[sessions.length]] as Answer[];
    assert.ok(
      replays.some((a) => a.error.code === '40103'),
      'a refresh token presented twice: the second is refused',
    );
    for (const a of replays.filter((r) => r.status === 200)) assert.equal(await check(a.data.accessToken), '40104', 'and the session ends');
    if (dialect === 'postgres') {
      const after = await batchFigures('refresh');
      assert.ok(after.calls - beforeRefresh.calls >= sessions.length, JSON.stringify({ beforeRefresh, after }));
      assert.ok(after.statements - beforeRefresh.statements < sessions.length);
    }
  });

  it("a burst of new users' tickets: each its own user, one user for an xcUserID asked twice, a room admitting their role takes them", async () => {
    const room = await post(t.app, '/v1/server/room/create_or_update', serverKey(), {
      xcRoomID: 'burst-room',
      type: 4,
      name: 'Burst room',
      participantUserRoles: ['burst-role'],
    });
    assert.equal(room.status, 200, JSON.stringify(room.body));
    const roomID = (room.body.data as { room: { roomID: string } }).room.roomID;
    const before = await batchFigures('new_user');
    const ask = (xcUserID: string, fullName: string, userRoleCode?: string) =>
      post<Ticketed>(t.app, '/v1/server/auth_ticket/request', serverKey(), { ...TICKET_BODY, xcUserID, fullName, userRoleCode });
    const asked = [
      ...Array.from({ length: 20 }, (_, i) => ask(`newcomer-${i}`, `Newcomer ${i}`, i % 2 === 0 ? 'burst-role' : undefined)),
      ask('newcomer-0', 'Newcomer Zero, renamed'),
    ];
    const answers = await Promise.all(asked);
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    const ids = answers.map((a) => a.body.data.userID);
    assert.equal(new Set(ids.slice(0, 20)).size, 20, 'twenty users');
    assert.equal(ids[20], ids[0], 'the xcUserID asked twice is one user');

    const users = await t.deps.db
      .selectFrom('users')
      .select(['id', 'xc_user_id', 'fullname', 'user_role_code'])
      .where('xc_user_id', 'like', 'newcomer-%')
      .execute();
    assert.equal(users.length, 20);
    // The two requests for newcomer-0 ran concurrently, in either order: the user holds the role either way.
    const zero = users.find((u) => u.xc_user_id === 'newcomer-0');
    assert.equal(zero?.user_role_code, 'burst-role');
    assert.ok(['Newcomer 0', 'Newcomer Zero, renamed'].includes(zero?.fullname as string), String(zero?.fullname));
    // A later ticket without the role renames the user and keeps the role it was not given.
    const again = await ask('newcomer-0', 'Newcomer Zero, again');
    assert.equal(again.body.data.userID, ids[0]);
    const renamed = await t.deps.db.selectFrom('users').select(['fullname', 'user_role_code']).where('xc_user_id', '=', 'newcomer-0').executeTakeFirst();
    assert.deepEqual([renamed?.fullname, renamed?.user_role_code], ['Newcomer Zero, again', 'burst-role']);
    const members = await t.deps.db.selectFrom('room_members').select('user_id').where('room_id', '=', roomID).execute();
    assert.deepEqual(
      members.map((m) => String(m.user_id)).sort(),
      ids.filter((_, i) => i < 20 && i % 2 === 0).sort(),
      'the users given the role joined the room, the others not',
    );
    // Each ticket redeems to its own user.
    const redeemed = await Promise.all(answers.slice(0, 5).map((a) => redeem(a.body.data.ticket)));
    assert.deepEqual(
      redeemed.map((r) => r.data.user.userID),
      ids.slice(0, 5),
    );
    if (dialect === 'postgres') {
      const after = await batchFigures('new_user');
      assert.equal(after.calls - before.calls, 21, 'every new user went through a batch');
      assert.ok(after.statements - before.statements <= 5, `shared statements: ${JSON.stringify({ before, after })}`);
    }
  });

  it('a burst of Live Chat redemptions and refreshes answers each its own contact', async () => {
    const secret = { 'secret-key': t.project.appKey.secret };
    const tickets = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await post(
          t.app,
          '/api/integration/v1/user/request_auth_ticket',
          { 'api-key': t.project.apiKey },
          { customerUserID: `visitor-${i}`, fullName: `Visitor ${i}`, email: `v${i}@example.com`, phone: `62812340${String(i).padStart(5, '0')}` },
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.data as { userID: string; ticket: string };
      }),
    );
    const V = '/api/visitor/v1';
    const redeemed = await Promise.all(tickets.map((k) => client(`${V}/auth/access_token/request`, k.ticket, secret)));
    for (const [i, a] of redeemed.entries()) {
      assert.equal(a.status, 200, JSON.stringify(a.error));
      assert.equal(a.data.user.userID, tickets[i]?.userID);
    }
    const renewed = await Promise.all(redeemed.map((a) => client(`${V}/auth/access_token/refresh`, a.data.refreshToken, secret)));
    for (const [i, a] of renewed.entries()) {
      assert.equal(a.status, 200, JSON.stringify(a.error));
      assert.equal(a.data.user.userID, tickets[i]?.userID);
    }
  });
});
