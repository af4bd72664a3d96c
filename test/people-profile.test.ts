// The caller's profile and the calls Android and iOS make about people (client API user/update_bio,
// user/get_all_by_ids, user/exists/username, contact/add_by_phones, push_notification/update) and the
// client-side REST send chat/message/send/custom: each answer and refusal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decryptContent, newLocalId } from '../src/chat/cipher.ts';
import { samePhone } from '../src/phone.ts';
import { pushTokensOf } from '../src/services/profile.ts';
import { type Envelope, type TestApp, type Ticketed, type TokenBundle, createTestApp, post } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, personalRoom, socketUrl } from './support/chat.ts';
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

type User = { userID: string; fullname: string; bio: string; phone: string; username: string };

it('phones: the same number in any spelling, the country only where both spellings name one', () => {
  assert.ok(samePhone('+62 812-3456-7890', '081234567890'));
  assert.ok(samePhone('+62 812-3456-7890', '6281234567890'));
  assert.ok(samePhone('0062 (812) 3456.7890', '+6281234567890'));
  assert.ok(!samePhone('+62 812-3456-7890', '+1 812 345 67890'), 'another country');
  assert.ok(!samePhone('+62 812-3456-7890', '081234567899'));
  assert.ok(!samePhone('12345', '12345'), 'too short to be a phone');
  assert.ok(!samePhone('call me', 'call me'));
});

await eachDialect(describe, 'people: profile, look-ups, phones, push tokens, REST send', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  let dave: ChatUser;
  const call = (u: ChatUser, path: string, body: unknown = '""') => clientCall(t, u, path, body);

  /** A user with a phone and a username, through the real ticket flow. */
  async function loginWith(fullName: string, extra: { phone?: string; username?: string }): Promise<ChatUser> {
    const xcUserID = `xc-${fullName}-${Date.now()}`;
    const ticket = await post<Ticketed>(
      t.app,
      '/v1/server/auth_ticket/request',
      { 'server-key': t.project.serverKey.header },
      { userIPAddress: '10.0.0.1', userAgent: 'test', userPlatform: 'android', userDeviceID: 'd', xcUserID, fullName, ...extra },
    );
    assert.equal(ticket.body.status, 200, JSON.stringify(ticket.body));
    const res = await post<TokenBundle>(
      t.app,
      '/v1/auth/access_token/request',
      { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket.body.data.ticket}` },
      '""',
    );
    return { userID: res.body.data.user.userID as string, ...res.body.data };
  }

  before(async () => {
    t = await createTestApp(dialect);
    base = await listen(t);
    alice = await loginWith('Alice', { phone: '+62 811-1111-1111', username: 'alice_w' });
    bob = await loginWith('Bob', { phone: '+62 812-3456-7890', username: 'Bob.Builder' });
    carol = await loginWith('Carol', { phone: '081299998888' });
    dave = await loginUser(t, 'Dave');
  });
  after(() => t.close());

  describe('user/update_bio', () => {
    it('sets the bio, which every user object carries from then on', async () => {
      const res = succeeded<{ user: User }>(await call(alice, '/v1/client/user/update_bio', { bio: 'Coffee ☕ and code' }));
      assert.equal(res.user.bio, 'Coffee ☕ and code');
      assert.equal(res.user.userID, alice.userID);
      const seen = succeeded<{ user: User }>(await call(bob, '/v1/client/user/get_by_id', { id: alice.userID }));
      assert.equal(seen.user.bio, 'Coffee ☕ and code');
      const refreshed = await post<TokenBundle>(t.app, '/v1/auth/access_token/refresh', {
        'app-key': t.project.appKey.header,
        authorization: `Bearer ${alice.refreshToken}`,
      });
      assert.equal(refreshed.body.data.user.bio, 'Coffee ☕ and code');
      alice = { ...alice, ...refreshed.body.data };
    });

    it("clears it with '' and refuses what is no bio", async () => {
      refused(await call(alice, '/v1/client/user/update_bio', { bio: 'x'.repeat(101) }), 400, '40002', 'bio');
      refused(await call(alice, '/v1/client/user/update_bio', { bio: 42 }), 400, '40002', 'bio');
      refused(await call(alice, '/v1/client/user/update_bio', { bio: 'nul\u0000' }), 400, '40002', 'bio');
      assert.equal(succeeded<{ user: User }>(await call(alice, '/v1/client/user/get_by_id', { id: alice.userID })).user.bio, 'Coffee ☕ and code');
      assert.equal(succeeded<{ user: User }>(await call(alice, '/v1/client/user/update_bio', { bio: '' })).user.bio, '');
      assert.equal(succeeded<{ user: User }>(await call(bob, '/v1/client/user/get_by_id', { id: alice.userID })).user.bio, '');
    });
  });

  describe('user/get_all_by_ids and user/exists/username', () => {
    it('answers the users that exist, in the order asked', async () => {
      const res = succeeded<{ users: User[] }>(
        await call(dave, '/v1/client/user/get_all_by_ids', { ids: [carol.userID, '999999', Number(alice.userID), carol.userID] }),
      );
      assert.deepEqual(
        res.users.map((u) => u.fullname),
        ['Carol', 'Alice'],
      );
      assert.deepEqual(succeeded(await call(dave, '/v1/client/user/get_all_by_ids', { ids: [] })).users, []);
      refused(await call(dave, '/v1/client/user/get_all_by_ids', {}), 400, '40002', 'ids');
      refused(await call(dave, '/v1/client/user/get_all_by_ids', { ids: ['abc'] }), 400, '40002', 'ids');
      refused(await call(dave, '/v1/client/user/get_all_by_ids', { ids: Array.from({ length: 501 }, (_, i) => String(i + 1)) }), 400, '40002', 'ids');
    });

    it('tells whether a username is taken, exactly or ignoring case', async () => {
      const exists = async (username: string, ignoreCase?: boolean) =>
        succeeded<{ exists: boolean }>(await call(dave, '/v1/client/user/exists/username', { username, ignoreCase })).exists;
      assert.equal(await exists('Bob.Builder'), true);
      assert.equal(await exists('bob.builder'), false);
      assert.equal(await exists('bob.builder', true), true);
      assert.equal(await exists('nobody'), false);
      refused(await call(dave, '/v1/client/user/exists/username', {}), 400, '40002', 'username');
    });
  });

  describe('contact/add_by_phones', () => {
    it('adds the users with those numbers, whatever the spelling, and answers them', async () => {
      const res = succeeded<{ users: User[] }>(
        await call(dave, '/v1/client/contact/add_by_phones', { phones: ['0812 3456 7890', '+62 812-9999-8888', '+1 811 1111 1111', 'not a phone', ''] }),
      );
      assert.deepEqual(res.users.map((u) => u.fullname).sort(), ['Bob', 'Carol']);
      const contacts = succeeded<{ contacts: Array<{ user: User }> }>(await call(dave, '/v1/client/contact/list')).contacts;
      assert.deepEqual(contacts.map((c) => c.user.fullname).sort(), ['Bob', 'Carol']);
    });

    it('skips the caller and anyone who blocked the caller; takes one number as a list of one', async () => {
      succeeded(await call(carol, '/v1/client/contact/block', { userID: bob.userID }));
      const res = succeeded<{ users: User[] }>(
        await call(bob, '/v1/client/contact/add_by_phones', { phones: ['081299998888', '+6281234567890', '+6281111111111'] }),
      );
      assert.deepEqual(
        res.users.map((u) => u.fullname),
        ['Alice'],
      );
      const one = succeeded<{ users: User[] }>(await call(alice, '/v1/client/contact/add_by_phones', { phones: '6281234567890' }));
      assert.deepEqual(
        one.users.map((u) => u.fullname),
        ['Bob'],
      );
      assert.deepEqual(succeeded(await call(dave, '/v1/client/contact/add_by_phones', { phones: [] })).users, []);
    });

    it('refuses what is no list of numbers', async () => {
      refused(await call(dave, '/v1/client/contact/add_by_phones', {}), 400, '40002', 'phones');
      refused(await call(dave, '/v1/client/contact/add_by_phones', { phones: { a: 1 } }), 400, '40002', 'phones');
      refused(await call(dave, '/v1/client/contact/add_by_phones', { phones: Array.from({ length: 1001 }, () => '0812') }), 400, '40002', 'phones');
    });
  });

  describe('push_notification/update', () => {
    it("keeps one token per session, for the user's sessions still valid", async () => {
      const pushed = succeeded(await call(dave, '/v1/client/push_notification/update', { fcmToken: 'fcm-token-1' }));
      assert.deepEqual(pushed, { success: true, message: 'Push notification token updated' });
      const second = await loginUser(t, 'Dave', dave.user.xcUserID as string);
      succeeded(await call(second, '/v1/client/push_notification/update', { apnToken: 'apn-token-2' }));
      succeeded(await call(dave, '/v1/client/push_notification/update', { fcmToken: 'fcm-token-3' }));
      const actor = { projectId: t.project.projectID, userId: Number(dave.userID) };
      const tokens = (await pushTokensOf(t.deps, actor)).map((p) => [p.fcmToken, p.apnToken]);
      assert.deepEqual(
        tokens.sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
        [
          ['fcm-token-3', null],
          [null, 'apn-token-2'],
        ],
      );
      await clientCall(t, second, '/v1/client/logout');
      assert.deepEqual(
        (await pushTokensOf(t.deps, actor)).map((p) => p.fcmToken),
        ['fcm-token-3'],
        'a session that ended is not addressed',
      );
      succeeded(await call(dave, '/v1/client/push_notification/update', {}));
      assert.deepEqual(await pushTokensOf(t.deps, actor), [], 'no token clears it');
      assert.deepEqual(await pushTokensOf(t.deps, { projectId: t.project.projectID, userId: Number(alice.userID) }), []);
    });

    it('refuses a token that is no string, too long, or not storable', async () => {
      refused(await call(dave, '/v1/client/push_notification/update', { fcmToken: 7 }), 400, '40002', 'fcmToken');
      refused(await call(dave, '/v1/client/push_notification/update', { apnToken: 'a'.repeat(4097) }), 400, '40002', 'apnToken');
      refused(await call(dave, '/v1/client/push_notification/update', { fcmToken: 'x\u0000' }), 400, '40002', 'fcmToken');
    });
  });

  describe('chat/message/send/custom', () => {
    it('encrypts the plain content, stores and delivers it like any message', async () => {
      const socket = await ChatSocket.open(socketUrl(base, t.project.appKey.header, bob.accessToken));
      try {
        const localID = newLocalId();
        const sent = succeeded(
          await call(alice, '/v1/chat/message/send/custom', {
            roomID: '',
            recipientUserID: bob.userID,
            localID,
            messageType: 3001,
            body: 'Order #12 shipped 📦',
            data: JSON.stringify({ orderID: 12 }),
            filterID: 'orders',
            isHidden: false,
          }),
        );
        assert.deepEqual(sent, { success: true, message: 'Message sent' });
        const got = await socket.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === localID);
        assert.equal(got.data.type, 3001);
        assert.equal(got.data.room.roomID, personalRoom(alice, bob));
        assert.equal(got.data.user.userID, alice.userID);
        assert.equal(got.data.filterID, 'orders');
        assert.equal(decryptContent(got.data.body, localID), 'Order #12 shipped 📦');
        assert.deepEqual(JSON.parse(decryptContent(got.data.data, localID) as string), { orderID: 12 });
        // The same localID again answers success and stores nothing new.
        succeeded(await call(alice, '/v1/chat/message/send/custom', { recipientUserID: bob.userID, localID, messageType: 3001, body: 'again' }));
        const list = succeeded<{ messages: Array<{ localID: string }> }>(
          await call(bob, '/v1/chat/message/list_by_room/before', { roomID: personalRoom(alice, bob) }),
        );
        assert.equal(list.messages.filter((m) => m.localID === localID).length, 1);
      } finally {
        await socket.close();
      }
    });

    it('refuses as the socket does: system types, rooms one is not in, bad fields', async () => {
      const send = (u: ChatUser, body: Record<string, unknown>) =>
        call(u, '/v1/chat/message/send/custom', { roomID: personalRoom(alice, bob), localID: newLocalId(), messageType: 1001, body: 'x', ...body });
      refused(await send(alice, { messageType: 9001 }), 403, '40301', 'type');
      refused(await send(dave, {}), 403, '40301', 'roomID');
      refused(await send(alice, { roomID: '', recipientUserID: '999999' }), 404, '40402', 'roomID');
      refused(await send(alice, { roomID: '', recipientUserID: '' }), 400, '40002', 'roomID');
      refused(await send(alice, { localID: '' }), 400, '40002', 'localID');
      refused(await send(alice, { localID: 'with space' }), 400, '40002', 'localID');
      refused(await send(alice, { messageType: undefined }), 400, '40002', 'messageType');
      refused(await send(alice, { messageType: 'text' }), 400, '40002', 'messageType');
      refused(await send(alice, { body: 'nul\u0000' }), 400, '40002', 'body');
      refused(await send(alice, { body: 7 }), 400, '40002', 'body');
      // Within the request limit, but too long once encrypted (the limit is on the ciphertext, as on the socket).
      refused(await send(alice, { body: 'x'.repeat(50_000) }), 413, '41300', 'body');
      // `data` as an object (iOS) nested far deeper than any message needs: refused before it is
      // serialised (JSON.stringify overflowed the stack on it: a 500, found by the fuzz torture test).
      const deep = '['.repeat(20_000) + ']'.repeat(20_000);
      const raw = `{"roomID":${JSON.stringify(personalRoom(alice, bob))},"localID":"${newLocalId()}","messageType":1001,"body":"x","data":${deep}}`;
      refused(await call(alice, '/v1/chat/message/send/custom', raw), 400, '40002', 'data');
      const nest = (levels: number): unknown => (levels === 0 ? 'leaf' : { level: nest(levels - 1) });
      refused(await send(alice, { data: nest(17) }), 400, '40002', 'data');
      succeeded(await send(alice, { data: nest(16) }));
    });
  });
});
