// Blocking and reporting (client API contact/block, unblock, get_blocked_*, chat_report/submit_*):
// each answer and refusal, the user/block events over real sockets, what a block stops (writing to
// the blocker, adding the blocker to a group or to one's contacts), and the reports the CLI lists.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../src/cli/main.ts';
import { type Envelope, type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

function refused(res: Envelope, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, JSON.stringify(res));
  assert.equal(res.error.code, code, JSON.stringify(res));
  if (field !== undefined) assert.equal(res.error.field, field, JSON.stringify(res));
  assert.deepEqual(res.data, {});
}

function succeeded<T = Record<string, unknown>>(res: Envelope): T {
  assert.equal(res.status, 200, JSON.stringify(res.error));
  assert.equal(res.error.code, '');
  return res.data as T;
}

/** `parley report list` run in this process, its output captured. */
async function reportList(databaseUrl: string, projectId: string, json = true): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
  const code = await main(['report', 'list', '--project', projectId, '--database', databaseUrl, ...(json ? ['--json'] : [])], {}, io);
  return { code, out: lines.join('\n') };
}

await eachDialect(describe, 'blocks and reports', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  const sockets = new Map<string, ChatSocket>();
  const ws = (u: ChatUser) => sockets.get(u.userID) as ChatSocket;
  const call = (u: ChatUser, path: string, body: unknown = '""') => clientCall(t, u, `/v1/client/${path}`, body);

  before(async () => {
    t = await createTestApp(dialect);
    base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    carol = await loginUser(t, 'Carol');
    for (const u of [alice, bob, carol]) sockets.set(u.userID, await ChatSocket.open(socketUrl(base, t.project.appKey.header, u.accessToken)));
  });
  after(async () => {
    for (const s of sockets.values()) assert.deepEqual(s.problems, []);
    for (const s of sockets.values()) await s.close();
    await t.close();
  });

  describe('a block', () => {
    it('is refused for oneself, an unknown user or no user', async () => {
      refused(await call(alice, 'contact/block', { userID: alice.userID }), 400, '40002', 'userID');
      refused(await call(alice, 'contact/block', { userID: '999999' }), 404, '40401', 'userID');
      refused(await call(alice, 'contact/block', { userID: 'x' }), 404, '40401', 'userID');
      refused(await call(alice, 'contact/block', {}), 400, '40002', 'userID');
      refused(await call(alice, 'contact/block', { userID: [bob.userID] }), 400, '40002', 'userID');
      refused(await call(alice, 'contact/unblock', { userID: alice.userID }), 400, '40002', 'userID');
      assert.deepEqual(succeeded(await call(alice, 'contact/get_blocked_user_ids')).blockedUserIDs, []);
    });

    it("is answered with the user, told to the blocker's devices, and drops the contact", async () => {
      succeeded(await call(alice, 'contact/add', { userID: bob.userID }));
      const mark = { alice: ws(alice).events.length, bob: ws(bob).events.length };
      const res = succeeded<{ success: boolean; message: string; user: { userID: string; fullname: string } }>(
        await call(alice, 'contact/block', { userID: Number(bob.userID) }),
      );
      assert.equal(res.success, true);
      assert.equal(res.user.userID, bob.userID);
      assert.equal(res.user.fullname, 'Bob');
      const event = await ws(alice).waitFor((e) => e.eventName === 'user/block', 5000, mark.alice);
      assert.equal(event.data.user.userID, bob.userID);
      const listed = succeeded<{ blockedContacts: Array<{ userID: string }>; users: Array<{ userID: string }> }>(await call(alice, 'contact/get_blocked_list'));
      assert.deepEqual(
        listed.blockedContacts.map((u) => u.userID),
        [bob.userID],
      );
      assert.deepEqual(listed.users, listed.blockedContacts);
      const ids = succeeded<{ blockedUserIDs: string[]; unreadRoomIDs: string[] }>(await call(alice, 'contact/get_blocked_user_ids'));
      assert.deepEqual([ids.blockedUserIDs, ids.unreadRoomIDs], [[bob.userID], [bob.userID]]);
      const contacts = succeeded<{ contacts: Array<{ user: { userID: string } }> }>(await call(alice, 'contact/list')).contacts;
      assert.deepEqual(contacts, [], 'blocking removes the contact, as the SDK does in its own list');
      // Blocking again succeeds; Bob's own lists are untouched.
      succeeded(await call(alice, 'contact/block', { userID: bob.userID }));
      assert.deepEqual(succeeded(await call(bob, 'contact/get_blocked_user_ids')).blockedUserIDs, []);
      assert.equal(
        ws(bob)
          .events.slice(mark.bob)
          .some((e) => e.eventName.startsWith('user/')),
        false,
        'the blocked user is told nothing',
      );
    });

    it('stops the blocked user writing to the blocker: 40301 on the socket and through REST, nothing stored', async () => {
      const room = personalRoom(alice, bob);
      const mark = { alice: ws(alice).events.length, bob: ws(bob).events.length };
      const out = outgoingMessage(room, bob, 'let me talk');
      ws(bob).emit('chat/sendMessage', out);
      const error = await ws(bob).waitFor((e) => e.eventName === 'error' && e.data.localID === out.localID, 5000, mark.bob);
      assert.deepEqual([error.data.code, error.data.field], ['40301', 'roomID']);
      const custom = await clientCall(t, bob, '/v1/chat/message/send/custom', {
        roomID: '',
        recipientUserID: alice.userID,
        localID: 'abcdefghijklmnopqrstuvwxyz012345',
        messageType: 1001,
        body: 'hello?',
      });
      refused(custom, 403, '40301', 'roomID');
      // The blocker may still write (the block is one-sided); the other way stays closed.
      const fromAlice = outgoingMessage(room, alice, 'I can still write');
      ws(alice).emit('chat/sendMessage', fromAlice);
      await ws(bob).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === fromAlice.localID, 5000, mark.bob);
      const history = succeeded<{ messages: Array<{ localID: string }> }>(await clientCall(t, alice, '/v1/chat/message/list_by_room/before', { roomID: room }));
      assert.deepEqual(
        history.messages.map((m) => m.localID),
        [fromAlice.localID],
      );
      assert.equal(
        ws(alice)
          .events.slice(mark.alice)
          .some((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID),
        false,
      );
    });

    it('stops the blocked user adding the blocker to a group or to contacts', async () => {
      refused(await call(bob, 'room/create', { name: 'Trap', type: 2, userIDs: [carol.userID, alice.userID] }), 403, '40301', 'userIDs');
      const group = succeeded<{ room: { roomID: string } }>(await call(bob, 'room/create', { name: 'Fine', type: 2, userIDs: [carol.userID] })).room.roomID;
      refused(await call(bob, 'room/participants/add', { roomID: group, userIDs: [alice.userID] }), 403, '40301', 'userIDs');
      const details = succeeded<{ participants: Array<{ userID: string }> }>(await call(bob, 'room/get', { roomID: group }));
      assert.deepEqual(details.participants.map((p) => p.userID).sort(), [bob.userID, carol.userID].sort());
      refused(await call(bob, 'contact/add', { userID: alice.userID }), 403, '40301', 'userID');
      assert.deepEqual(succeeded(await call(bob, 'contact/list')).contacts, []);
    });

    it('ends with unblock: told to the blocker, and the blocked user can write again', async () => {
      const mark = ws(alice).events.length;
      const res = succeeded<{ success: boolean; user: { userID: string } }>(await call(alice, 'contact/unblock', { userID: bob.userID }));
      assert.deepEqual([res.success, res.user.userID], [true, bob.userID]);
      assert.equal((await ws(alice).waitFor((e) => e.eventName === 'user/unblock', 5000, mark)).data.user.userID, bob.userID);
      assert.deepEqual(succeeded(await call(alice, 'contact/get_blocked_list')).blockedContacts, []);
      const out = outgoingMessage(personalRoom(alice, bob), bob, 'thanks');
      ws(bob).emit('chat/sendMessage', out);
      await ws(alice).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID, 5000, mark);
      succeeded(await call(bob, 'contact/add', { userID: alice.userID }));
      // Unblocking someone not blocked succeeds too.
      succeeded(await call(alice, 'contact/unblock', { userID: carol.userID }));
    });
  });

  describe('a report', () => {
    let messageID = '';

    it('of a user is kept; oneself, unknown users and missing fields are refused', async () => {
      const ok = succeeded(
        await call(alice, 'chat_report/submit_user', { userID: bob.userID, category: 'Spam', isOtherCategory: false, reason: 'Too many ads' }),
      );
      assert.deepEqual(ok, { success: true, message: 'Report submitted' });
      refused(await call(alice, 'chat_report/submit_user', { userID: alice.userID, category: 'Spam' }), 400, '40002', 'userID');
      refused(await call(alice, 'chat_report/submit_user', { userID: '999999', category: 'Spam' }), 404, '40401', 'userID');
      refused(await call(alice, 'chat_report/submit_user', { userID: bob.userID }), 400, '40002', 'category');
      refused(await call(alice, 'chat_report/submit_user', { userID: bob.userID, category: 'x', reason: 'r'.repeat(2001) }), 400, '40002', 'reason');
      refused(await call(alice, 'chat_report/submit_user', { userID: bob.userID, category: 'x', isOtherCategory: 'yes' }), 400, '40002', 'isOtherCategory');
    });

    it('of a message: only by a participant, only of that room, never one of their own', async () => {
      const room = personalRoom(alice, bob);
      const out = outgoingMessage(room, bob, 'buy now!!!');
      const mark = ws(bob).events.length;
      ws(bob).emit('chat/sendMessage', out);
      messageID = (await ws(bob).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID, 5000, mark)).data.messageID;
      const body = { messageID, roomID: room, category: 'Other', isOtherCategory: true, reason: 'Scam\nlink' };
      assert.equal(succeeded(await call(alice, 'chat_report/submit_message', body)).success, true);
      refused(await call(carol, 'chat_report/submit_message', body), 403, '40301', 'roomID');
      refused(await call(bob, 'chat_report/submit_message', body), 400, '40002', 'messageID');
      refused(await call(alice, 'chat_report/submit_message', { ...body, roomID: personalRoom(alice, carol) }), 404, '40403', 'messageID');
      refused(await call(alice, 'chat_report/submit_message', { ...body, messageID: '0' }), 404, '40403', 'messageID');
      refused(await call(alice, 'chat_report/submit_message', { ...body, roomID: undefined }), 400, '40002', 'roomID');
    });

    it('is listed for the operator by `parley report list`, newest first', async () => {
      const listed = await reportList(t.databaseUrl, t.project.projectID);
      assert.equal(listed.code, 0, listed.out);
      const rows = JSON.parse(listed.out) as Array<Record<string, unknown>>;
      assert.equal(rows.length, 2);
      const [byMessage, byUser] = rows as [Record<string, unknown>, Record<string, unknown>];
      assert.deepEqual(
        { ...byMessage, id: 0, created: '' },
        {
          id: 0,
          created: '',
          about: 'message',
          reporter: { userID: alice.userID, xcUserID: alice.user.xcUserID },
          reported: { userID: bob.userID, xcUserID: bob.user.xcUserID },
          roomID: personalRoom(alice, bob),
          messageID,
          category: 'Other',
          isOtherCategory: true,
          reason: 'Scam\nlink',
        },
      );
      assert.deepEqual([byUser.about, byUser.category, byUser.reason, byUser.messageID], ['user', 'Spam', 'Too many ads', null]);
      const text = await reportList(t.databaseUrl, t.project.projectID, false);
      const lines = text.out.split('\n');
      assert.equal(lines.length, 2, 'one line per report: the reason is quoted, its line break escaped');
      assert.match(lines[0] as string, /reported message \d+ in room [0-9]+-[0-9]+ of .* category "Other" \(other\) {2}reason "Scam\\nlink"$/);
      const other = await t.newProject();
      assert.deepEqual(await reportList(t.databaseUrl, other.projectID), { code: 0, out: '[]' });
      assert.equal((await reportList(t.databaseUrl, 'no-such-project')).code, 1);
    });
  });
});
