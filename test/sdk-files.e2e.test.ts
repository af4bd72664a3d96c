// End to end through TapTalk's official, unmodified web SDK: Alice uploads and sends an image, a
// video, a voice note and a document with the SDK's own send functions; Bob receives each (the image
// with its thumbnail) and downloads the same bytes. Then profile photos and a group photo. Runs on one
// in-process Parley on SQLite (local file store) and on two `parley serve` processes sharing
// PostgreSQL and Redis with the file store on an S3 server (s3rver).
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { dialectAvailable } from './support/databases.ts';
import { type Backend, inProcessSqlite, twoProcessesOnPostgres } from './support/e2e-backends.ts';
import { type S3Server, sampleDocument, samplePng, sampleWav, startS3 } from './support/files.ts';
import {
  type SdkPage,
  type SdkRecord,
  browserAvailable,
  callbackSuccess as success,
  installSdkRecorder,
  newUserPage,
  runInPage as run,
  sharedHarness,
  signInThroughSdk,
  untilRecorded,
} from './support/sdk-browser.ts';

interface Msg {
  messageID: string;
  localID: string;
  type: number;
  body: string;
  room: { roomID: string };
  user: { userID: string };
  data: { fileID?: string; fileURL?: string; thumbnail?: string; mediaType?: string; size?: number; width?: number; height?: number; caption?: string };
}

interface Person {
  name: string;
  userID: string;
  page: SdkPage;
}

type SdkGlobalish = typeof globalThis & { TapTalkSDK: { taptalk: { getTaptalkActiveUser(): unknown } } };

const hasBrowser = browserAvailable();
const harness = sharedHarness();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const BACKENDS: Array<{ name: string; needsPostgres: boolean; start: () => Promise<{ b: Backend; stop: () => Promise<void> }> }> = [
  {
    name: 'one in-process node, SQLite, local file store',
    needsPostgres: false,
    start: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-e2e-files-'));
      const b = await inProcessSqlite({ PARLEY_FILES_DIR: dir });
      return { b, stop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'two processes, PostgreSQL + Redis, files on S3 (Alice on node 1, Bob on node 2)',
    needsPostgres: true,
    start: async () => {
      const s3: S3Server = await startS3();
      try {
        const b = await twoProcessesOnPostgres(s3.env);
        return { b, stop: () => s3.close() };
      } catch (err) {
        await s3.close();
        throw err;
      }
    },
  },
];

/** Hands the page a File made of `bytes` (base64 across the boundary), kept as vars[name]. */
async function fileInPage(page: SdkPage, name: string, bytes: Buffer, fileName: string, type: string): Promise<void> {
  await run(
    page,
    `file-${name}`,
    (_sdk, cb, a: { name: string; b64: string; fileName: string; type: string }, vars) => {
      const raw = atob(a.b64);
      const arr = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) arr[i] = raw.charCodeAt(i);
      vars[a.name] = new File([arr], a.fileName, { type: a.type });
      cb.onSuccess();
    },
    { name, b64: bytes.toString('base64'), fileName, type },
  );
}

for (const backend of BACKENDS) {
  const skip = !hasBrowser ? 'chromium missing' : backend.needsPostgres && !(await dialectAvailable('postgres')) ? 'PostgreSQL unreachable' : false;
  describe(`files and media through the web SDK [${backend.name}]`, { skip }, () => {
    let b: Backend;
    let stop: () => Promise<void>;
    let browser: Browser;
    let pageUrl: string;
    let alice: Person;
    let bob: Person;
    const tag = `${Date.now()}-${randomBytes(3).toString('hex')}`;
    const pages: SdkPage[] = [];
    const until = <T>(page: SdkPage, what: string, probe: (r: SdkRecord<Msg>) => T | undefined | false) => untilRecorded(page, what, probe, 20_000);

    const assertNoPageErrors = () => {
      for (const page of pages) assert.deepEqual(page.errors, [], `no console or page errors; console:\n${page.consoleLog.join('\n')}`);
      assert.deepEqual(b.problems(), [], 'no server errors logged');
    };

    async function signIn(name: string, base: string): Promise<Person> {
      const page = await newUserPage(browser, pageUrl);
      pages.push(page);
      await installSdkRecorder(page);
      const res = await fetch(`${base}/v1/server/auth_ticket/request`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'server-key': b.serverKeyHeader },
        body: JSON.stringify({
          userIPAddress: '10.0.0.1',
          userAgent: 'e2e',
          userPlatform: 'web',
          userDeviceID: 'e2e',
          xcUserID: `${name}-${tag}`,
          fullName: name,
        }),
      });
      const { data } = (await res.json()) as { data: { userID: string; ticket: string } };
      await signInThroughSdk(page, { appKeyID: b.appKey.id, appKeySecret: b.appKey.secret, base, ticket: data.ticket });
      return { name, userID: data.userID, page };
    }

    /**
     * Alice sends `vars[file]` with the SDK function `send`; returns her sent message and the upload
     * progress she was told of. The callback has every method the SDK calls (onStart, onProgress, …).
     */
    async function send(label: string, how: { fn: 'image' | 'video' | 'voice' | 'file'; file: string }) {
      await run(
        alice.page,
        label,
        (sdk, cb, a: { fn: string; file: string }, vars) => {
          const progress: number[] = [];
          vars[`${a.file}-progress`] = progress;
          const callback = {
            onStart: () => {},
            onProgress: (_localID: string, percentage: number) => progress.push(percentage),
            onSuccess: (m: unknown) => cb.onSuccess(m, progress),
            onError: (...e: unknown[]) => cb.onError(...e),
          };
          const m = sdk.tapCoreMessageManager;
          const file = vars[a.file];
          if (a.fn === 'image') m.sendImageMessage(file, 'A picture', vars.room, callback);
          else if (a.fn === 'video') m.sendVideoMessage(file, 'A film', vars.room, callback);
          else if (a.fn === 'voice') m.sendVoiceMessage(file, 1000, vars.room, callback);
          else m.sendFileMessage(file, vars.room, callback);
        },
        how,
      );
      const [sent, progress] = (await success(alice.page, label, 30_000)) as [Msg, number[]];
      return { sent, progress };
    }

    /** Bob receives the message with the fileID of `sent` and downloads it through the SDK. */
    async function receiveAndDownload(label: string, sent: Msg): Promise<{ got: Msg; bytes: Buffer; contentType: string }> {
      const got = await until(bob.page, `Bob receives ${label}`, (r) => r.newMessages.find((m) => m.localID === sent.localID && m.data?.fileID));
      await run(
        bob.page,
        `download-${label}`,
        (sdk, cb, m: Msg) => sdk.tapCoreChatRoomManager.downloadMessageFile(m, { onSuccess: cb.onSuccess, onError: cb.onError, onProgress: () => {} }),
        got,
      );
      const [res] = (await success(bob.page, `download-${label}`, 30_000)) as [{ base64: string; contentType: string }];
      return { got, bytes: Buffer.from(res.base64, 'base64'), contentType: res.contentType };
    }

    before(async () => {
      ({ b, stop } = await backend.start());
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
      await stop?.();
    });

    it('Alice and Bob sign in and open their personal room', async () => {
      [alice, bob] = await Promise.all([signIn('Alice', b.base.alice), signIn('Bob', b.base.bob)]);
      for (const [who, other] of [
        [alice, bob],
        [bob, alice],
      ] as const) {
        await run(
          who.page,
          'openRoom',
          (sdk, cb, id: string, vars) =>
            sdk.tapCoreChatRoomManager.createRoomWithUserID(id, (r: { room: unknown }) => {
              vars.room = r.room;
              cb.onSuccess(r);
            }),
          other.userID,
        );
        await success(who.page, 'openRoom');
      }
      assertNoPageErrors();
    });

    it('an image: uploaded with progress, received with its thumbnail, downloaded as the picture sent', async () => {
      await fileInPage(alice.page, 'png', await samplePng(640, 480), 'look.png', 'image/png');
      const { sent, progress } = await send('image', { fn: 'image', file: 'png' });
      assert.ok(progress.length > 0 && progress.at(-1) === 100, `upload progress reported: ${JSON.stringify(progress)}`);
      assert.equal(sent.type, 1002);
      assert.match(sent.data.fileURL ?? '', /\/v1\/public\/.+\/chat\/file\/image\/[0-9a-z]{26}\?token=/);
      const { got, bytes } = await receiveAndDownload('image', sent);
      assert.equal(got.type, 1002);
      assert.ok((got.data.thumbnail ?? '').length > 20, 'a thumbnail travels with the message');
      assert.equal(got.data.caption, 'A picture');
      const meta = await sharp(bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 640, 480]);
      assert.equal(got.data.size, bytes.length, 'the size the upload answered is what is served');
      assertNoPageErrors();
    });

    it('a document and a voice note: Bob downloads the very bytes Alice sent', async () => {
      const doc = sampleDocument(300_000);
      await fileInPage(alice.page, 'doc', doc, 'minutes.txt', 'text/plain');
      const { sent: docSent } = await send('document', { fn: 'file', file: 'doc' });
      assert.equal(docSent.type, 1004);
      const gotDoc = await receiveAndDownload('document', docSent);
      assert.equal(sha(gotDoc.bytes), sha(doc));

      const voice = sampleWav(16_000);
      await fileInPage(alice.page, 'voice', voice, 'voice.wav', 'audio/wav');
      const { sent: voiceSent } = await send('voice', { fn: 'voice', file: 'voice' });
      assert.equal(voiceSent.type, 1008);
      const gotVoice = await receiveAndDownload('voice', voiceSent);
      assert.equal(sha(gotVoice.bytes), sha(voice));
      assert.equal(gotVoice.contentType, 'audio/wav');
      assertNoPageErrors();
    });

    it('a video recorded in the page: Bob downloads the very bytes Alice sent', async () => {
      // A real WebM from a canvas (MediaRecorder): the SDK reads its metadata before it uploads.
      await run(alice.page, 'record', async (_sdk, cb, _a, vars) => {
        const canvas = document.createElement('canvas');
        canvas.width = 64;
        canvas.height = 48;
        const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
        const stream = canvas.captureStream(10);
        const recorder = new MediaRecorder(stream, { mimeType: 'video/webm' });
        const chunks: Blob[] = [];
        recorder.ondataavailable = (e) => chunks.push(e.data);
        const done = new Promise((resolve) => {
          recorder.onstop = resolve;
        });
        recorder.start();
        for (let i = 0; i < 10; i++) {
          ctx.fillStyle = `rgb(${i * 25}, 100, 150)`;
          ctx.fillRect(0, 0, 64, 48);
          await new Promise((r) => setTimeout(r, 50));
        }
        recorder.stop();
        await done;
        const blob = new Blob(chunks, { type: 'video/webm' });
        vars.webm = new File([blob], 'film.webm', { type: 'video/webm' });
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
        cb.onSuccess(Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join(''));
      });
      const [recorded] = (await success(alice.page, 'record', 20_000)) as [string];
      const { sent } = await send('video', { fn: 'video', file: 'webm' });
      assert.equal(sent.type, 1003);
      const { bytes, contentType } = await receiveAndDownload('video', sent);
      assert.equal(sha(bytes), recorded);
      assert.equal(contentType, 'video/webm');
      assertNoPageErrors();
    });

    it('profile photos: upload, list, set_main and delete through the SDK; Bob sees the picture change', async () => {
      type User = { userID: string; imageURL: { thumbnail: string; fullsize: string } };
      const activeUser = async () => (await alice.page.evaluate(() => (globalThis as SdkGlobalish).TapTalkSDK.taptalk.getTaptalkActiveUser())) as User;
      const bobSees = async (label: string) => {
        await run(bob.page, label, (sdk, cb, id: string) => sdk.tapCoreContactManager.getUserDataWithUserID(id, cb), alice.userID);
        return ((await success(bob.page, label))[0] as { user: User }).user;
      };
      for (const [n, size] of [
        [1, 300],
        [2, 200],
      ] as const) {
        await fileInPage(alice.page, `photo${n}`, await samplePng(size, size), `me${n}.png`, 'image/png');
        await run(alice.page, `upload${n}`, (sdk, cb, name: string, vars) => sdk.taptalk.uploadUserPhoto(vars[name], cb), `photo${n}`);
        await success(alice.page, `upload${n}`, 30_000);
      }
      const mine = await activeUser();
      assert.match(mine.imageURL.fullsize, /\/chat\/file\/image\//);
      assert.deepEqual((await bobSees('seen1')).imageURL, mine.imageURL);

      await run(bob.page, 'list', (sdk, cb, id: string) => sdk.taptalk.getListUserPhoto(id, cb), alice.userID);
      const { photos } = (await success(bob.page, 'list'))[0] as { photos: Array<{ id: number; fullsizeImageURL: string; createdTime: number }> };
      assert.equal(photos.length, 2);
      assert.equal(photos[0]?.fullsizeImageURL, mine.imageURL.fullsize, 'the newest is the picture');
      const older = photos[1] as { id: number; fullsizeImageURL: string; createdTime: number };

      await run(alice.page, 'setMain', (sdk, cb, id: number) => sdk.taptalk.setMainUserPhoto(id, cb), older.id);
      await success(alice.page, 'setMain');
      assert.equal((await activeUser()).imageURL.fullsize, older.fullsizeImageURL);
      assert.equal((await bobSees('seen2')).imageURL.fullsize, older.fullsizeImageURL);

      await run(alice.page, 'delete', (sdk, cb, p: { id: number; createdTime: number }) => sdk.taptalk.deleteUserPhoto(p.id, p.createdTime, cb), older);
      await success(alice.page, 'delete');
      assert.equal((await activeUser()).imageURL.fullsize, mine.imageURL.fullsize, 'back to the other photo');
      assert.equal((await bobSees('seen3')).imageURL.fullsize, mine.imageURL.fullsize);
      assertNoPageErrors();
    });

    it('a group photo: Alice (admin) sets it through the SDK; Bob hears the room/update with the new picture', async () => {
      await run(alice.page, 'group', (sdk, cb, id: string) => sdk.tapCoreChatRoomManager.createGroupChatRoom('Photos', [id], cb), bob.userID);
      const [room] = (await success(alice.page, 'group', 20_000)) as [{ roomID: string }];
      await fileInPage(alice.page, 'groupPhoto', await samplePng(256, 256), 'group.png', 'image/png');
      await run(
        alice.page,
        'groupPhoto',
        (sdk, cb, id: string, vars) =>
          sdk.tapCoreChatRoomManager.updateGroupPicture(id, vars.groupPhoto, { onSuccess: cb.onSuccess, onError: cb.onError, onProgress: () => {} }),
        room.roomID,
      );
      const [updated] = (await success(alice.page, 'groupPhoto', 30_000)) as [{ roomID: string; imageURL: { fullsize: string } }];
      assert.match(updated.imageURL.fullsize, /\/chat\/file\/image\//);
      const heard = await until(bob.page, 'Bob hears the group photo change', (r) =>
        r.newMessages.find((m) => m.room.roomID === room.roomID && (m as Msg & { action?: string }).action === 'room/update'),
      );
      assert.equal((heard.room as { imageURL?: { fullsize: string } }).imageURL?.fullsize, updated.imageURL.fullsize);
      assertNoPageErrors();
    });
  });
}
