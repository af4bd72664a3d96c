// The server API seen through TapTalk's unmodified web SDK (issue #12): a backend creates a transaction
// room for an order and sends a custom message into it; both users' SDKs, each in its own browser
// context (and on its own node in the PostgreSQL setup), see the room appear and the message arrive.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { requestTicketAt } from './support/chat.ts';
import { dialectAvailable } from './support/databases.ts';
import { BACKENDS, type Backend } from './support/e2e-backends.ts';
import {
  type SdkPage,
  browserAvailable,
  callbackReports,
  installSdkRecorder,
  newUserPage,
  runInPage as run,
  sdkInit,
  sharedHarness,
  untilRecorded,
  waitForProjectConfigs,
} from './support/sdk-browser.ts';

interface Msg {
  localID: string;
  type: number;
  body: string;
  action: string;
  room: { roomID: string; name: string; type: number; xcRoomID: string };
  user: { userID: string };
}

const hasBrowser = browserAvailable();
const harness = sharedHarness();

for (const backend of BACKENDS) {
  const skip = !hasBrowser ? 'chromium missing' : backend.needsPostgres && !(await dialectAvailable('postgres')) ? 'PostgreSQL unreachable' : false;
  describe(`server API seen through the web SDK [${backend.name}]`, { skip }, () => {
    let b: Backend;
    let browser: Browser;
    let pageUrl: string;
    const pages: SdkPage[] = [];
    const serverCall = async (path: string, body: unknown) => {
      const res = await fetch(`${b.base.alice}${path}`, { method: 'POST', headers: { 'server-key': b.serverKeyHeader }, body: JSON.stringify(body) });
      return (await res.json()) as { status: number; error: { code: string }; data: Record<string, unknown> };
    };

    async function signIn(base: string, name: string, xcUserID: string): Promise<SdkPage> {
      const page = await newUserPage(browser, pageUrl);
      pages.push(page);
      await installSdkRecorder(page);
      await sdkInit(page, b.appKey.id, b.appKey.secret, base);
      await waitForProjectConfigs(page);
      const { ticket } = await requestTicketAt(base, b.serverKeyHeader, name, xcUserID);
      await run(page, 'auth', (sdk, cb, t: string) => sdk.taptalk.authenticateWithAuthTicket(t, true, cb), ticket);
      await callbackReports(page, 'auth', 2);
      await run(page, 'roomList', (sdk, cb) => sdk.tapCoreRoomListManager.getUpdatedRoomList(cb));
      await callbackReports(page, 'roomList');
      await run(page, 'connect', (sdk, cb) => sdk.taptalk.connect(cb));
      await callbackReports(page, 'connect');
      return page;
    }

    before(async () => {
      b = await backend.start();
      const h = await harness();
      browser = h.browser;
      pageUrl = h.sdkPage.url;
    });
    after(async () => {
      for (const page of pages)
        await page
          .context()
          .close()
          .catch(() => {});
      await b?.close();
    });

    it('a transaction room made by the backend, and its custom message, appear live for both users', async () => {
      const tag = randomBytes(3).toString('hex');
      const alice = await signIn(b.base.alice, 'Alice', `alice-${tag}`);
      const bob = await signIn(b.base.bob, 'Bob', `bob-${tag}`);
      const room = await serverCall('/v1/server/room/create_or_update', {
        xcRoomID: `order-${tag}`,
        type: 4,
        name: `Order ${tag}`,
        participantXCUserIDs: [`alice-${tag}`, `bob-${tag}`],
      });
      assert.equal(room.status, 200, JSON.stringify(room.error));
      const roomID = (room.data.room as { roomID: string }).roomID;
      for (const page of [alice, bob]) {
        const created = await untilRecorded<Msg, Msg>(page, 'the room appears', (r) =>
          r.newMessages.find((m) => m.room.roomID === roomID && m.action === 'room/create'),
        );
        assert.equal(created.room.type, 4);
        assert.equal(created.room.name, `Order ${tag}`);
        assert.equal(created.type, 9001);
      }
      const sent = await serverCall('/v1/server/message/send/custom', {
        senderXCUserID: `alice-${tag}`,
        xcRoomID: `order-${tag}`,
        messageType: 3001,
        body: 'Your order is on its way 🚚',
        data: JSON.stringify({ orderID: tag, status: 'shipped' }),
      });
      assert.equal(sent.status, 200, JSON.stringify(sent.error));
      for (const page of [alice, bob]) {
        const got = await untilRecorded<Msg, Msg & { data: unknown }>(
          page,
          'the message arrives',
          (r) => r.newMessages.find((m) => m.localID === sent.data.localID) as (Msg & { data: unknown }) | undefined,
        );
        assert.equal(got.body, 'Your order is on its way 🚚', 'decrypted by the SDK');
        assert.deepEqual(got.data, { orderID: tag, status: 'shipped' });
        assert.equal(got.type, 3001);
        assert.equal(got.room.roomID, roomID);
      }
      for (const page of pages) assert.deepEqual(page.errors, []);
      assert.deepEqual(b.problems(), []);
    });
  });
}
