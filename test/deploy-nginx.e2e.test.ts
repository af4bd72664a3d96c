// The deployment of docs/deploy.md, end to end: Debian's nginx runs the shipped deploy/nginx.conf
// (only its ports and certificate paths replaced) with a self-signed certificate in front of two
// `parley serve` processes sharing PostgreSQL and Redis, trusting the proxy as deploy/parley.env.example says.
// TapTalk's official, unmodified web SDK talks to it in chromium through https:// and wss:// only.
//
// Alice and Bob sign in and chat both ways; then, mid-conversation, the node holding most of their
// sockets is SIGKILLed. Their pages do what an app does (the demo page too): reconnect when the socket
// closes, and fetch what the open room missed. nginx must send them to the surviving node, the
// conversation must go on, and at the end each user's history must hold every message its sender's
// SDK saw acknowledged (echoed with a messageID), each exactly once. Messages the SDK wrote into the
// dying socket are never acknowledged: whether they were stored is not asserted, only that nothing
// acknowledged is lost and nothing is stored twice.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../src/config.ts';
import { dialectAvailable } from './support/databases.ts';
import { twoProcessesOnPostgres } from './support/e2e-backends.ts';
import { type Nginx, freePort, getPlain, ipv6Loopback, nginxAvailable, postJsonTls, startNginx } from './support/nginx.ts';
import {
  type SdkGlobal,
  type SdkPage,
  type SdkRecord,
  browserAvailable,
  callbackSuccess as success,
  installSdkRecorder,
  newUserPage,
  readSdkRecord,
  runInPage as run,
  sharedHarness,
  signInThroughSdk,
  untilRecorded,
} from './support/sdk-browser.ts';
import { type ServerProcess, sleep } from './torture/support.ts';

/** A message as the SDK hands it to listeners and callbacks (body decrypted). */
interface Msg {
  messageID: string;
  localID: string;
  body: string;
  isSending: boolean;
  room: { roomID: string };
  user: { userID: string };
}

interface Person {
  name: 'Alice' | 'Bob';
  xcUserID: string;
  userID: string;
  page: SdkPage;
}

interface Sent {
  from: Person['name'];
  localID: string;
  text: string;
  phase: 'before' | 'during' | 'after';
}

/** deploy/parley.env.example as name → value (comments and blank lines dropped). */
function shippedEnv(): Record<string, string> {
  const text = readFileSync(new URL('../deploy/parley.env.example', import.meta.url), 'utf8');
  const entries = text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      assert.ok(at > 0, `not NAME=value: ${line}`);
      return [line.slice(0, at), line.slice(at + 1)] as const;
    });
  return Object.fromEntries(entries);
}

describe('deploy/parley.env.example', () => {
  it('names only documented variables, and Parley accepts its values once the placeholders are filled in', () => {
    const env = shippedEnv();
    const documented = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of Object.keys(env)) assert.ok(documented.includes(`\`${name}\``), `${name} is in docs/configuration.md`);
    const filled = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, v.replace('CHANGE-ME-DB-PASSWORD', 'x').replace('CHANGE-ME-TICKET-SECRET', 's'.repeat(64))]),
    );
    const config = loadConfig(filled);
    assert.equal(config.databaseUrl, 'postgres://parley:x@127.0.0.1:5432/parley');
    assert.notEqual(config.trustProxy, false, 'the nodes believe the proxy in front of them');
  });
});

const hasBrowser = browserAvailable();
const hasNginx = nginxAvailable();
const hasPostgres = await dialectAvailable('postgres');
const skip = !hasBrowser ? 'chromium missing' : !hasNginx ? 'nginx missing' : !hasPostgres ? 'PostgreSQL unreachable' : false;
const harness = sharedHarness();
const ipv6 = await ipv6Loopback();

const until = <T>(page: SdkPage, what: string, probe: (r: SdkRecord<Msg>) => T | undefined | false) => untilRecorded(page, what, probe, 30_000);

/** The chat sockets a node holds, from its /metrics. */
async function socketsOn(node: ServerProcess): Promise<number> {
  const text = await (await fetch(`${node.url.origin}/metrics`)).text();
  const line = /^parley_sockets (\d+)$/m.exec(text);
  assert.ok(line, `parley_sockets in /metrics of ${node.url.origin}`);
  return Number(line[1]);
}

describe('deploy/nginx.conf: TLS in front of two nodes on PostgreSQL + Redis, the web SDK over https:// and wss://', { skip }, () => {
  let backend: Awaited<ReturnType<typeof twoProcessesOnPostgres>>;
  let nginx: Nginx;
  let browser: Browser;
  let pageUrl: string;
  let base: string;
  let httpPort: number;
  const pages: SdkPage[] = [];
  const people = {} as Record<Person['name'], Person>;
  const sent: Sent[] = [];
  let roomID = '';
  let victim: ServerProcess;
  /** How many errors each page had when the node was killed (none expected before). */
  const errorsBeforeKill = new Map<SdkPage, number>();

  before(async () => {
    // As the shipped env file configures a node; info level, so requests (and their client addresses) are logged.
    backend = await twoProcessesOnPostgres({ PARLEY_TRUST_PROXY: shippedEnv().PARLEY_TRUST_PROXY as string, PARLEY_LOG_LEVEL: 'info' });
    httpPort = await freePort(ipv6);
    const httpsPort = await freePort(ipv6, [httpPort]);
    const nodePorts = backend.nodes.map((n) => Number(n.url.port)) as [number, number];
    nginx = await startNginx({ httpPort, httpsPort, nodePorts, ipv6 });
    // The browser comes from ::1 where it can, so its address differs from nginx's own towards the nodes (127.0.0.1).
    base = ipv6 ? `https://[::1]:${httpsPort}` : `https://127.0.0.1:${httpsPort}`;
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
    await nginx?.stop();
    await backend?.close();
  });

  /** A backend's ticket request, through nginx over TLS (trusting the test's certificate). */
  async function ticketFor(name: string, xcUserID: string): Promise<{ userID: string; ticket: string }> {
    const res = await postJsonTls<{ status: number; data: { userID: string; ticket: string } }>(
      `${base}/v1/server/auth_ticket/request`,
      nginx.certificate,
      { 'server-key': backend.serverKeyHeader },
      { userIPAddress: '10.0.0.1', userAgent: 'test', userPlatform: 'web', userDeviceID: 'device-1', xcUserID, fullName: name },
    );
    assert.equal(res.body.status, 200, JSON.stringify(res.body));
    return res.body.data;
  }

  /** A fresh browser context for `name`: init, ticket, authenticate, room list (unless told not to); the SDK's base is https://. */
  async function signIn(name: Person['name'], xcUserID: string, loadRoomList = true): Promise<Person> {
    const page = await newUserPage(browser, pageUrl, { ignoreHTTPSErrors: true });
    pages.push(page);
    await installSdkRecorder(page);
    const { userID, ticket } = await ticketFor(name, xcUserID);
    // The socket is opened by connectLikeAnApp.
    await signInThroughSdk(page, { appKeyID: backend.appKey.id, appKeySecret: backend.appKey.secret, base, ticket, roomList: loadRoomList, connect: false });
    return { name, xcUserID, userID, page };
  }

  /**
   * Connects as an app does: when the socket closes or fails, connect again shortly; once connected
   * again, fetch what the open room missed meanwhile (recorded under 'catchUp').
   */
  async function connectLikeAnApp(page: SdkPage): Promise<void> {
    await run(page, 'connect', (sdk, cb, _arg, vars) => {
      const record = (globalThis as unknown as { __sdkRecord: { callback(label: string): unknown } }).__sdkRecord;
      const again = () => {
        clearTimeout(vars.retry);
        vars.retry = setTimeout(connect, 250);
      };
      const connect = () =>
        sdk.taptalk.connect({
          onSuccess: (...args: unknown[]) => {
            cb.onSuccess(...args);
            vars.opened = (vars.opened ?? 0) + 1;
            if (vars.opened > 1 && vars.room) sdk.tapCoreMessageManager.getNewerMessagesAfterTimestamp(vars.room.roomID, record.callback('catchUp'));
          },
          onClose: (...args: unknown[]) => {
            cb.onClose(...args);
            again();
          },
          onError: (...args: unknown[]) => {
            cb.onError(...args);
            again();
          },
        });
      connect();
    });
    assert.deepEqual(await success(page, 'connect'), ['Successfully connected to TapTalk.io server']);
  }

  /** `from` sends `text` into the personal room; resolves to the SDK's pending local copy (not yet acknowledged). */
  async function send(from: Person, text: string, phase: Sent['phase']): Promise<Sent> {
    const label = `send-${sent.length}`;
    await run(from.page, label, (sdk, cb, t: string, vars) => sdk.tapCoreMessageManager.sendTextMessage(t, vars.room, (m: unknown) => cb.onSuccess(m)), text);
    const [local] = (await success(from.page, label)) as [Msg];
    assert.equal(local.messageID, '0', 'the local copy is pending');
    const entry = { from: from.name, localID: local.localID, text, phase };
    sent.push(entry);
    return entry;
  }

  /** The localIDs whose echo (stored: a messageID, no longer sending) reached the sender's SDK. */
  async function acknowledged(): Promise<Set<string>> {
    const acked = new Set<string>();
    for (const person of Object.values(people)) {
      const r = await readSdkRecord<Msg>(person.page);
      const own = new Set(sent.filter((s) => s.from === person.name).map((s) => s.localID));
      for (const m of r.newMessages) if (own.has(m.localID) && m.messageID !== '0' && !m.isSending) acked.add(m.localID);
    }
    return acked;
  }

  const waitEcho = (person: Person, s: Sent) =>
    until(person.page, `${person.name}'s SDK sees "${s.text}" acknowledged`, (r) =>
      r.newMessages.some((m) => m.localID === s.localID && m.messageID !== '0' && !m.isSending),
    );
  const waitReceived = (person: Person, s: Sent) =>
    until(person.page, `${person.name} receives "${s.text}"`, (r) => r.newMessages.some((m) => m.localID === s.localID && m.messageID !== '0'));

  it('plain http:// is redirected to https://', async () => {
    const res = await getPlain(`http://127.0.0.1:${httpPort}/v1/client/project_configs?x=1`, { host: 'localhost' });
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, 'https://localhost/v1/client/project_configs?x=1');
  });

  it('Alice and Bob sign in (ticket → tokens) and connect, through https:// and wss:// only', async () => {
    const tag = `${Date.now()}-${randomBytes(3).toString('hex')}`;
    const [alice, bob] = await Promise.all([signIn('Alice', `alice-${tag}`), signIn('Bob', `bob-${tag}`)]);
    people.Alice = alice;
    people.Bob = bob;
    for (const p of [alice, bob]) {
      await run(
        p.page,
        'openRoom',
        (sdk, cb, peer: string, vars) =>
          sdk.tapCoreChatRoomManager.createRoomWithUserID(peer, (r: { room: unknown }) => {
            vars.room = r.room;
            cb.onSuccess(r);
          }),
        p === alice ? bob.userID : alice.userID,
      );
      const [opened] = await success(p.page, 'openRoom');
      roomID = opened.room.roomID;
      await connectLikeAnApp(p.page);
    }
    assert.equal(roomID, [Number(alice.userID), Number(bob.userID)].sort((x, y) => x - y).join('-'));
    const sockets = await Promise.all(backend.nodes.map(socketsOn));
    assert.equal(
      sockets.reduce((a, b) => a + b, 0),
      2,
      `both sockets are open, on the nodes (${sockets.join(' + ')})`,
    );
  });

  it('they chat both ways', async () => {
    const { Alice: alice, Bob: bob } = people;
    for (let i = 1; i <= 3; i++) {
      for (const [from, to] of [
        [alice, bob],
        [bob, alice],
      ] as const) {
        const s = await send(from, `${from.name} ${i}: hello over TLS 🔒`, 'before');
        await waitEcho(from, s);
        const got = await waitReceived(to, s);
        assert.equal(got, true);
      }
    }
    const r = await readSdkRecord<Msg>(bob.page);
    const first = r.newMessages.find((m) => m.localID === sent[0]?.localID);
    assert.equal(first?.body, sent[0]?.text, 'decrypted by the SDK');
  });

  it('a node is SIGKILLed mid-conversation: the SDKs reconnect through nginx to the other node and the conversation goes on', async () => {
    const { Alice: alice, Bob: bob } = people;
    const [one = 0, two = 0] = await Promise.all(backend.nodes.map(socketsOn));
    const counts = [one, two];
    const index = one >= two ? 0 : 1;
    victim = backend.nodes[index] as ServerProcess;
    const survivor = backend.nodes[1 - index] as ServerProcess;
    const dropped = counts[index] as number;
    assert.ok(dropped >= 1, 'the node to stop holds a socket');

    // A stream of messages from both sides; the node dies after the third round, while they keep typing.
    for (let i = 1; i <= 8; i++) {
      await send(alice, `Alice during ${i}`, 'during');
      await send(bob, `Bob during ${i}`, 'during');
      if (i === 3) {
        for (const page of pages) errorsBeforeKill.set(page, page.errors.length);
        victim.child.kill('SIGKILL');
      }
      await sleep(100);
    }
    await victim.exited;

    // Every socket the dead node held was closed by nginx, and each page connected again.
    const closes = async () => {
      let n = 0;
      for (const p of [alice, bob]) n += (await readSdkRecord(p.page)).results.connect?.filter((c) => c.kind === 'close').length ?? 0;
      return n;
    };
    for (let waited = 0; (await closes()) < dropped; waited += 50) {
      assert.ok(waited < 30_000, `the ${dropped} socket(s) on the stopped node were closed within 30 s`);
      await sleep(50);
    }
    for (const p of [alice, bob]) {
      await until(p.page, `${p.name}'s SDK is connected again`, (r) => {
        const reports = r.results.connect ?? [];
        return reports.at(-1)?.kind === 'success';
      });
      assert.equal(await p.page.evaluate(() => (globalThis as SdkGlobal).TapTalkSDK.taptalk.isConnected()), true);
    }
    assert.equal(await socketsOn(survivor), 2, 'both sockets are now on the surviving node');

    // The conversation goes on, both ways, every message acknowledged and delivered.
    for (let i = 1; i <= 3; i++) {
      for (const [from, to] of [
        [alice, bob],
        [bob, alice],
      ] as const) {
        const s = await send(from, `${from.name} after ${i}`, 'after');
        await waitEcho(from, s);
        await waitReceived(to, s);
      }
    }
    const acked = await acknowledged();
    for (const s of sent.filter((x) => x.phase !== 'during')) assert.ok(acked.has(s.localID), `"${s.text}" was acknowledged`);

    // What each SDK got live or fetched after reconnecting covers every message of the other it saw acknowledged.
    for (const [me, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const r = await readSdkRecord<Msg>(me.page);
      const seen = new Set(r.newMessages.map((m) => m.localID));
      for (const report of r.results.catchUp ?? []) {
        if (report.kind === 'success') for (const m of Object.values(report.args[0] as Record<string, Msg>)) seen.add(m.localID);
      }
      const missing = sent.filter((s) => s.from === other.name && acked.has(s.localID) && !seen.has(s.localID));
      assert.deepEqual(
        missing.map((s) => s.text),
        [],
        `${me.name}'s SDK has every acknowledged message of ${other.name}`,
      );
    }
  });

  it("both users' histories hold every acknowledged message, each once", async (t) => {
    const acked = await acknowledged();
    const during = sent.filter((s) => s.phase === 'during');
    t.diagnostic(`sent while the node died: ${during.length}, acknowledged: ${during.filter((s) => acked.has(s.localID)).length}`);
    const mine = new Set(sent.map((s) => s.localID));
    for (const name of ['Alice', 'Bob'] as const) {
      // The app opened again: a fresh session through nginx, the history as the SDK loads it. Without the
      // room list first: the SDK pages history from the oldest message it holds, and the list would
      // give it the newest and the unread ones, out of order.
      const again = await signIn(name, people[name].xcUserID, false);
      await run(again.page, 'history', (sdk, cb, id: string) => sdk.tapCoreMessageManager.getOlderMessagesBeforeTimestamp(id, 200, cb), roomID);
      const [messages, hasMore] = (await success(again.page, 'history')) as [Record<string, Msg>, boolean];
      assert.equal(hasMore, false);
      const inSdk = new Set(Object.values(messages).map((m) => m.localID));
      for (const s of sent) if (acked.has(s.localID)) assert.ok(inSdk.has(s.localID), `${name}'s history (SDK) holds "${s.text}"`);

      // The same list as the server sends it (to another session of the user, through nginx), where a
      // duplicate (two messages, one localID) would show.
      const { ticket } = await ticketFor(name, people[name].xcUserID);
      const redeemed = await postJsonTls<{ status: number; data: { accessToken: string } }>(
        `${base}/v1/auth/access_token/request`,
        nginx.certificate,
        { 'app-key': backend.appKey.header, authorization: `Bearer ${ticket}` },
        '',
      );
      assert.equal(redeemed.body.status, 200, JSON.stringify(redeemed.body));
      const { accessToken } = redeemed.body.data;
      const res = await postJsonTls<{ status: number; data: { messages: Msg[]; hasMore: boolean } }>(
        `${base}/v1/chat/message/list_by_room/before`,
        nginx.certificate,
        { 'app-key': backend.appKey.header, authorization: `Bearer ${accessToken}` },
        { roomID, maxCreated: 0, limit: 200 },
      );
      assert.equal(res.body.status, 200, JSON.stringify(res.body));
      const ids = res.body.data.messages.map((m) => m.localID);
      assert.equal(new Set(ids).size, ids.length, `${name}'s history has no message twice`);
      for (const id of ids) assert.ok(mine.has(id), 'only messages the test sent');
      for (const s of sent) if (acked.has(s.localID)) assert.ok(ids.includes(s.localID), `${name}'s history holds "${s.text}"`);
      t.diagnostic(`${name}'s history: ${ids.length} messages of ${sent.length} sent, ${acked.size} acknowledged`);
    }
  });

  it("the nodes saw the browser's address (X-Forwarded-For), not nginx's", { skip: ipv6 ? false : 'no IPv6 loopback here' }, () => {
    const seen = new Set(backend.nodes.flatMap((n) => [...n.addresses]));
    assert.deepEqual([...seen], ['::1'], 'every request came from ::1 (the browser and the test), none from 127.0.0.1 (nginx)');
  });

  it('no node logged an error; the pages saw none but the failures of requests caught by the kill', () => {
    assert.deepEqual(backend.problems(), []);
    // A POST on its way to the node when it died is answered 502 by nginx, which does not resend a
    // request the node may have carried out; without CORS headers the browser reports a network error.
    const caughtByTheKill = /^(TypeError: Failed to fetch|there was an error!)/;
    for (const page of pages) {
      const unexpected = page.errors.filter((e, i) => i < (errorsBeforeKill.get(page) ?? Number.POSITIVE_INFINITY) || !caughtByTheKill.test(e.text));
      assert.deepEqual(unexpected, [], `console:\n${page.consoleLog.join('\n')}`);
    }
  });
});
