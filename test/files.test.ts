// Files and media (client API chat/file/upload and download, file links, the orphan sweep), on each
// database and with each file store: the local directory and an S3 bucket (a real s3rver). Every
// refusal is checked to leave nothing behind: no bytes without a row, no row without bytes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { type ConfigError, loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logging.ts';
import { addSweep } from '../src/repos/files.ts';
import { SWEEP_AGE_MS, storeKey, sweepFiles } from '../src/services/files.ts';
import { type Envelope, type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, clientCall, loginUser } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { type Part, type S3Server, multipart, sampleDocument, sampleMp4, samplePng, sampleWav, startS3 } from './support/files.ts';

interface Uploaded {
  id: string;
  fileID: string;
  fileURL: string;
  mediaType: string;
  size: number;
  width: number;
  height: number;
  caption: string;
  thumbnail: string;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function refused(res: Envelope, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, JSON.stringify(res));
  assert.equal(res.error.code, code, JSON.stringify(res));
  if (field !== undefined) assert.equal(res.error.field, field, JSON.stringify(res));
  assert.deepEqual(res.data, {});
}

function succeeded<T>(res: Envelope): T {
  assert.equal(res.status, 200, JSON.stringify(res.error));
  return res.data as T;
}

for (const storeKind of ['local', 's3'] as const) {
  await eachDialect(describe, `files with the ${storeKind} store`, (dialect) => {
    let t: TestApp;
    let s3: S3Server | undefined;
    let dir: string;
    let alice: ChatUser;
    let bob: ChatUser;
    let carol: ChatUser;
    let roomID: string;
    let otherRoomID: string;
    const headers = (u: ChatUser) => ({ 'app-key': t.project.appKey.header, authorization: `Bearer ${u.accessToken}` });

    async function upload(u: ChatUser, parts: Part[], cut?: number): Promise<Envelope> {
      const { payload, contentType } = multipart(parts);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/file/upload',
        headers: { ...headers(u), 'content-type': contentType },
        payload: cut === undefined ? payload : payload.subarray(0, cut),
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }
    const file = (data: Buffer, type: string, filename = 'f.bin'): Part => ({ name: 'file', filename, type, data });
    const fields = (room: string, fileType?: string, caption = ''): Part[] => [
      { name: 'roomID', value: room },
      ...(caption === '' ? [] : [{ name: 'caption', value: caption }]),
      ...(fileType === undefined ? [] : [{ name: 'fileType', value: fileType }]),
    ];

    async function download(u: ChatUser, body: unknown) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/file/download',
        headers: { ...headers(u), 'content-type': 'text/plain' },
        payload: JSON.stringify(body),
      });
      assert.equal(res.statusCode, 200);
      return res;
    }

    /** The keys the store holds. */
    async function storedKeys(): Promise<string[]> {
      if (s3 === undefined) {
        const walk = (d: string, prefix: string): string[] =>
          readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
        try {
          return walk(dir, '').sort();
        } catch {
          return [];
        }
      }
      const client = new S3Client({
        region: 'us-east-1',
        endpoint: s3.env.PARLEY_S3_ENDPOINT,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      const out = await client.send(new ListObjectsV2Command({ Bucket: s3.env.PARLEY_S3_BUCKET }));
      client.destroy();
      return (out.Contents ?? []).map((o) => o.Key as string).sort();
    }

    /** Every row has its bytes, and no bytes are without a row (or a pending sweep). */
    async function consistent(): Promise<void> {
      const rows = await t.deps.db.selectFrom('files').select(['project_id', 'id', 'has_thumbnail']).execute();
      const expected = rows.flatMap((r) => [storeKey(r.project_id, r.id), ...(r.has_thumbnail === 1 ? [storeKey(r.project_id, r.id, true)] : [])]).sort();
      assert.deepEqual(await storedKeys(), expected);
      assert.deepEqual(await t.deps.db.selectFrom('file_sweeps').selectAll().execute(), []);
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'parley-files-'));
      if (storeKind === 's3') s3 = await startS3();
      t = await createTestApp(dialect, { PARLEY_FILES_DIR: dir, PARLEY_PUBLIC_URL: 'https://chat.example.com', ...(s3?.env ?? {}) });
      alice = await loginUser(t, 'Alice');
      bob = await loginUser(t, 'Bob');
      carol = await loginUser(t, 'Carol');
      const room = (u: ChatUser, ids: string[]) =>
        clientCall<{ room: { roomID: string } }>(t, u, '/v1/client/room/create', { name: 'Files', type: 2, userIDs: ids.map(Number) });
      roomID = succeeded<{ room: { roomID: string } }>(await room(alice, [bob.userID])).room.roomID;
      otherRoomID = succeeded<{ room: { roomID: string } }>(await room(carol, [bob.userID])).room.roomID;
    });
    after(async () => {
      await t.close();
      await s3?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('round-trips a document: the same bytes downloaded by another participant, served as an attachment by its link', async () => {
      const doc = sampleDocument(70_000);
      const up = succeeded<Uploaded>(await upload(alice, [...fields(roomID, 'file'), file(doc, 'text/plain', 'minutes.txt')]));
      assert.equal(up.id, up.fileID);
      assert.equal(up.size, doc.length);
      assert.equal(up.mediaType, 'application/octet-stream');
      assert.equal(up.thumbnail, '');
      assert.match(up.fileURL, /^https:\/\/chat\.example\.com\/v1\/public\/[^/]+\/chat\/file\/file\/[0-9a-z]{26}\?token=[A-Za-z0-9_-]{43}$/);

      const res = await download(bob, { roomID, fileID: up.fileID });
      assert.equal(res.headers['content-type'], 'application/octet-stream');
      assert.equal(sha(res.rawPayload), sha(doc));

      const link = await t.app.inject({ method: 'GET', url: up.fileURL.replace('https://chat.example.com', '') });
      assert.equal(link.statusCode, 200);
      assert.equal(sha(link.rawPayload), sha(doc));
      assert.equal(link.headers['x-content-type-options'], 'nosniff');
      assert.equal(link.headers['content-security-policy'], 'sandbox');
      assert.match(String(link.headers['content-disposition']), /^attachment; filename="minutes.txt"/);
      await consistent();
    });

    it('reads an image: its size, a small JPEG thumbnail, and a link served inline (the thumbnail too)', async () => {
      const png = await samplePng(640, 480);
      const up = succeeded<Uploaded>(await upload(alice, [...fields(roomID, 'image', 'Look'), file(png, 'image/png', 'look.png')]));
      assert.deepEqual([up.mediaType, up.width, up.height, up.caption], ['image/png', 640, 480, 'Look']);
      const thumb = await sharp(Buffer.from(up.thumbnail, 'base64')).metadata();
      assert.equal(thumb.format, 'jpeg');
      assert.ok((thumb.width ?? 999) <= 200 && (thumb.height ?? 999) <= 200);

      const path = up.fileURL.replace('https://chat.example.com', '');
      const link = await t.app.inject({ method: 'GET', url: path });
      assert.equal(link.headers['content-type'], 'image/png');
      assert.match(String(link.headers['content-disposition']), /^inline/);
      assert.equal(link.headers['content-security-policy'], 'sandbox');
      assert.equal(sha(link.rawPayload), sha(png));
      const small = await t.app.inject({ method: 'GET', url: `${path}&size=thumbnail` });
      assert.equal(small.headers['content-type'], 'image/jpeg');
      assert.equal((await sharp(small.rawPayload).metadata()).format, 'jpeg');
      await consistent();
    });

    it('takes a video and a voice note by their bytes', async () => {
      const video = succeeded<Uploaded>(await upload(alice, [...fields(roomID, 'video'), file(sampleMp4(), 'video/mp4', 'v.mp4')]));
      assert.equal(video.mediaType, 'video/mp4');
      const voice = succeeded<Uploaded>(await upload(bob, [...fields(roomID, 'audio'), file(sampleWav(), 'audio/wav', 'voice.wav')]));
      assert.equal(voice.mediaType, 'audio/wav');
      const res = await download(alice, { roomID, fileID: voice.fileID });
      assert.equal(sha(res.rawPayload), sha(sampleWav()));
      await consistent();
    });

    it('keeps a file name harmless and whole: control characters dropped, UTF-8 kept, ASCII fallback', async () => {
      const up = succeeded<Uploaded>(await upload(alice, [...fields(roomID, 'file'), file(sampleDocument(), 'text/plain', 'a\u0000b\u0007 Résumé;1.txt')]));
      const link = await t.app.inject({ method: 'GET', url: up.fileURL.replace('https://chat.example.com', '') });
      assert.equal(link.statusCode, 200);
      assert.equal(link.headers['content-disposition'], `attachment; filename="ab R_sum_;1.txt"; filename*=UTF-8''${encodeURIComponent('ab Résumé;1.txt')}`);
      await consistent();
    });

    it('refuses a link with a wrong or missing token, or another project, with 404 / 40410', async () => {
      const up = succeeded<Uploaded>(await upload(alice, [...fields(roomID, 'file'), file(sampleDocument(), 'text/plain')]));
      const path = up.fileURL.replace('https://chat.example.com', '');
      const wrongToken = path.replace(/token=.*/, `token=${'A'.repeat(43)}`);
      const otherProject = path.replace(`/v1/public/${t.project.projectID}/`, '/v1/public/other/');
      const otherKind = path.replace('/chat/file/file/', '/chat/file/image/');
      for (const url of [wrongToken, path.replace(/\?token=.*/, ''), otherProject, otherKind, `${path}&size=thumbnail`]) {
        const res = await t.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 404, url);
        assert.equal(res.json().error.code, '40410');
      }
    });

    it('refuses bad uploads with the documented code and field, leaving nothing behind', async () => {
      const doc = sampleDocument();
      refused(await upload(alice, [...fields(roomID, 'file'), file(Buffer.alloc(25 * 1024 * 1024 + 1, 7), 'application/pdf')]), 413, '41300', 'file');
      const { payload } = multipart([...fields(roomID, 'file'), file(doc, 'text/plain')]);
      refused(await upload(alice, [...fields(roomID, 'file'), file(doc, 'text/plain')], payload.length - 200), 400, '40002', 'file');
      refused(await upload(alice, [...fields(roomID, 'file'), file(Buffer.alloc(0), 'text/plain')]), 400, '40002', 'file');
      refused(await upload(alice, [...fields(roomID, 'image'), file(doc, 'image/png', 'fake.png')]), 415, '41500', 'file');
      refused(await upload(alice, [...fields(roomID, 'video'), file(await samplePng(8, 8), 'video/mp4')]), 415, '41500', 'file');
      const png = await samplePng(64, 64);
      refused(await upload(alice, [...fields(roomID, 'image'), file(png.subarray(0, png.length - 40), 'image/png')]), 415, '41500', 'file');
      refused(await upload(alice, fields(roomID, 'file')), 400, '40002', 'file');
      refused(await upload(alice, [...fields(roomID, 'picture'), file(doc, 'text/plain')]), 400, '40002', 'fileType');
      refused(await upload(alice, [file(doc, 'text/plain')]), 400, '40002', 'roomID');
      refused(await upload(carol, [...fields(roomID, 'file'), file(doc, 'text/plain')]), 403, '40301', 'roomID');
      // roomID before the file: refused before the file is read (not its size, which it never learns).
      refused(await upload(carol, [...fields(roomID, 'file'), file(Buffer.alloc(25 * 1024 * 1024 + 1, 7), 'text/plain')]), 403, '40301', 'roomID');
      refused(await upload(alice, [...fields('no-such-room', 'file'), file(doc, 'text/plain')]), 404, '40402', 'roomID');
      // Not multipart at all.
      refused(await clientCall(t, alice, '/v1/chat/file/upload', { roomID }), 400, '40002', 'file');
      await consistent();
    });

    it('refuses downloads by non-participants and of files of another room, as JSON the SDK recognises', async () => {
      const mine = succeeded<Uploaded>(await upload(alice, [...fields(roomID, 'file'), file(sampleDocument(), 'text/plain')]));
      const theirs = succeeded<Uploaded>(await upload(carol, [...fields(otherRoomID, 'file'), file(sampleDocument(), 'text/plain')]));
      const cases: Array<[ChatUser, unknown, number, string, string]> = [
        [carol, { roomID, fileID: mine.fileID }, 403, '40301', 'roomID'],
        [bob, { roomID, fileID: theirs.fileID }, 404, '40410', 'fileID'],
        [bob, { roomID, fileID: 'nope' }, 404, '40410', 'fileID'],
        [bob, { roomID }, 400, '40002', 'fileID'],
      ];
      for (const [u, body, status, code, field] of cases) {
        const res = await download(u, body);
        assert.equal(res.headers['content-type'], 'application/json', JSON.stringify(body));
        refused(res.json(), status, code, field);
      }
      const other = await t.newProject();
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/file/download',
        headers: { 'app-key': other.appKey.header, authorization: `Bearer ${bob.accessToken}` },
        payload: JSON.stringify({ roomID, fileID: mine.fileID }),
      });
      assert.equal(res.headers['content-type'], 'application/json');
      assert.notEqual(res.json().error.code, '');
    });

    async function photoUpload(u: ChatUser, url: string, parts: Part[]): Promise<Envelope> {
      const { payload, contentType } = multipart(parts);
      const res = await t.app.inject({ method: 'POST', url, headers: { ...headers(u), 'content-type': contentType }, payload });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }
    const linkPath = (url: string) => url.replace('https://chat.example.com', '');
    interface Photo {
      id: number;
      thumbnailImageURL: string;
      fullsizeImageURL: string;
      createdTime: number;
    }
    type UserAnswer = { user: { userID: string; imageURL: { thumbnail: string; fullsize: string } } };

    it('profile photos: an upload becomes the picture; listed newest first; set_main; deleting the main one falls back', async () => {
      const first = await samplePng(300, 200);
      const second = await samplePng(120, 160);
      const one = succeeded<UserAnswer>(await photoUpload(alice, '/v1/client/user/photo/upload', [file(first, 'image/png', 'me.png')])).user;
      assert.match(one.imageURL.fullsize, /\/chat\/file\/image\/[0-9a-z]{26}\?token=/);
      const full = await t.app.inject({ method: 'GET', url: linkPath(one.imageURL.fullsize) });
      assert.equal(sha(full.rawPayload), sha(first));
      const thumb = await t.app.inject({ method: 'GET', url: linkPath(one.imageURL.thumbnail) });
      assert.equal(thumb.headers['content-type'], 'image/jpeg');
      const two = succeeded<UserAnswer>(await photoUpload(alice, '/v1/client/user/photo/upload', [file(second, 'image/png', 'me2.png')])).user;
      assert.notEqual(two.imageURL.fullsize, one.imageURL.fullsize);

      // Anyone of the project sees the list and the picture.
      const { photos } = succeeded<{ photos: Photo[] }>(await clientCall(t, bob, '/v1/client/user/photo/get_list', { userID: alice.userID }));
      assert.deepEqual(
        photos.map((p) => p.fullsizeImageURL),
        [two.imageURL.fullsize, one.imageURL.fullsize],
      );
      const seen = succeeded<UserAnswer>(await clientCall(t, bob, '/v1/client/user/get_by_id', { id: alice.userID })).user;
      assert.deepEqual(seen.imageURL, two.imageURL);

      const [newest, oldest] = photos as [Photo, Photo];
      const main = succeeded<UserAnswer>(await clientCall(t, alice, '/v1/client/user/photo/set_main', { id: oldest.id })).user;
      assert.deepEqual(main.imageURL, one.imageURL);
      refused(await clientCall(t, bob, '/v1/client/user/photo/set_main', { id: oldest.id }), 404, '40410', 'id');
      refused(await clientCall(t, bob, '/v1/client/user/photo/delete', { id: oldest.id, createdTime: oldest.createdTime }), 404, '40410', 'id');
      refused(await clientCall(t, alice, '/v1/client/user/photo/set_main', { id: 'x' }), 400, '40002', 'id');
      refused(await clientCall(t, bob, '/v1/client/user/photo/get_list', { userID: '999999' }), 404, '40401');

      const after = succeeded<UserAnswer>(await clientCall(t, alice, '/v1/client/user/photo/delete', { id: oldest.id, createdTime: oldest.createdTime })).user;
      assert.deepEqual(after.imageURL, two.imageURL, 'the newest left is the picture again');
      const gone = await t.app.inject({ method: 'GET', url: linkPath(one.imageURL.fullsize) });
      assert.equal(gone.statusCode, 404);
      const last = succeeded<UserAnswer>(await clientCall(t, alice, '/v1/client/user/photo/delete', { id: newest.id })).user;
      assert.deepEqual(last.imageURL, { thumbnail: '', fullsize: '' });
      assert.deepEqual(succeeded<{ photos: Photo[] }>(await clientCall(t, alice, '/v1/client/user/photo/get_list', { userID: alice.userID })).photos, []);

      refused(await photoUpload(alice, '/v1/client/user/photo/upload', [file(sampleDocument(), 'image/png')]), 415, '41500', 'file');
      refused(await photoUpload(alice, '/v1/client/user/photo/upload', [file(Buffer.alloc(10 * 1024 * 1024 + 1, 1), 'image/png')]), 413, '41300', 'file');
      await sweepFiles(t.deps);
      await consistent();
    });

    it('a group photo: admins only, refused before the file is read, the room carries it', async () => {
      const png = await samplePng(200, 200);
      refused(await photoUpload(bob, '/v1/client/room/photo/upload', [{ name: 'roomID', value: roomID }, file(png, 'image/png')]), 403, '40301', 'roomID');
      // Android sends the file first: read, then refused, nothing stored.
      refused(await photoUpload(bob, '/v1/client/room/photo/upload', [file(png, 'image/png'), { name: 'roomID', value: roomID }]), 403, '40301', 'roomID');
      const big = Buffer.alloc(10 * 1024 * 1024 + 1, 1);
      refused(await photoUpload(bob, '/v1/client/room/photo/upload', [{ name: 'roomID', value: roomID }, file(big, 'image/png')]), 403, '40301', 'roomID');
      refused(await photoUpload(carol, '/v1/client/room/photo/upload', [{ name: 'roomID', value: roomID }, file(png, 'image/png')]), 403, '40301', 'roomID');
      refused(await photoUpload(alice, '/v1/client/room/photo/upload', [file(png, 'image/png')]), 400, '40002', 'roomID');
      const personal = [Number(alice.userID), Number(bob.userID)].sort((x, y) => x - y).join('-');
      refused(await photoUpload(alice, '/v1/client/room/photo/upload', [{ name: 'roomID', value: personal }, file(png, 'image/png')]), 403, '40301', 'roomID');
      const res = succeeded<{ room: { roomID: string; imageURL: { thumbnail: string; fullsize: string } } }>(
        await photoUpload(alice, '/v1/client/room/photo/upload', [{ name: 'roomID', value: roomID }, file(png, 'image/png', 'group.png')]),
      );
      assert.match(res.room.imageURL.fullsize, /\/chat\/file\/image\//);
      const got = await t.app.inject({ method: 'GET', url: linkPath(res.room.imageURL.fullsize) });
      assert.equal(sha(got.rawPayload), sha(png));
      const seen = succeeded<{ room: { imageURL: unknown } }>(await clientCall(t, bob, '/v1/client/room/get', { roomID }));
      assert.deepEqual(seen.room.imageURL, res.room.imageURL);
      const told = await t.deps.db.selectFrom('messages').select(['type']).where('room_id', '=', roomID).orderBy('created_at', 'desc').executeTakeFirst();
      assert.equal(told?.type, 9001, 'a system message tells the room');
      await consistent();
    });

    it('sweeps bytes left by an upload that died, once an hour old, and nothing else', async () => {
      const kept = succeeded<Uploaded>(await upload(alice, [...fields(roomID, 'file'), file(sampleDocument(), 'text/plain')]));
      const dead = '01deaddeaddeaddeaddeaddead';
      await addSweep(t.deps.db, t.project.projectID, dead, t.clock.now());
      const bytes = Buffer.from('half an upload');
      await t.deps.files.store.put(storeKey(t.project.projectID, dead), Readable.from([bytes]), bytes.length);
      assert.equal(await sweepFiles(t.deps), 0, 'too young to sweep');
      assert.ok((await storedKeys()).includes(storeKey(t.project.projectID, dead)));
      t.clock.advance(SWEEP_AGE_MS + 1);
      assert.equal(await sweepFiles(t.deps), 1);
      await consistent();
      assert.ok((await storedKeys()).includes(storeKey(t.project.projectID, kept.fileID)));
    });
  });
}

describe('files: configuration, logs and a failing store', () => {
  it('reads the file-store settings, naming each bad one', () => {
    assert.equal(loadConfig({ PARLEY_DATABASE_URL: 'sqlite:/srv/parley/parley.db' }).files.dir, '/srv/parley/files');
    assert.equal(loadConfig({ PARLEY_DATABASE_URL: 'postgres://db/parley' }).files.dir, join('data', 'files'));
    const s3 = loadConfig({ PARLEY_S3_BUCKET: 'b', PARLEY_S3_ENDPOINT: 'http://minio:9000', PARLEY_S3_ACCESS_KEY_ID: 'k', PARLEY_S3_SECRET_ACCESS_KEY: 's' });
    assert.deepEqual(s3.files.s3, { bucket: 'b', endpoint: 'http://minio:9000', region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's' });
    assert.equal(loadConfig({ PARLEY_PUBLIC_URL: 'https://chat.example.com/' }).files.publicUrl, 'https://chat.example.com');
    assert.throws(
      () => loadConfig({ PARLEY_S3_ENDPOINT: 'minio:9000', PARLEY_S3_ACCESS_KEY_ID: 'k', PARLEY_PUBLIC_URL: 'ftp://x' }),
      (err: ConfigError) =>
        ['PARLEY_S3_ENDPOINT', 'PARLEY_S3_ACCESS_KEY_ID', 'PARLEY_S3_BUCKET', 'PARLEY_PUBLIC_URL'].every((name) =>
          err.problems.some((p) => p.startsWith(name)),
        ),
    );
  });

  it('never logs a link token, even at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'parley-files-log-'));
    const t = await createTestApp('sqlite', { PARLEY_FILES_DIR: dir }, createLogger('trace', sink));
    try {
      const alice = await loginUser(t, 'Alice');
      const bob = await loginUser(t, 'Bob');
      const room = succeeded<{ room: { roomID: string } }>(
        await clientCall(t, alice, '/v1/client/room/create', { name: 'Logs', type: 2, userIDs: [Number(bob.userID)] }),
      ).room.roomID;
      const { payload, contentType } = multipart([
        { name: 'roomID', value: room },
        { name: 'fileType', value: 'image' },
        { name: 'file', filename: 'a.png', type: 'image/png', data: await samplePng(32, 32) },
      ]);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/file/upload',
        headers: { 'app-key': t.project.appKey.header, authorization: `Bearer ${alice.accessToken}`, 'content-type': contentType },
        payload,
      });
      const up = res.json().data as Uploaded;
      const token = new URL(up.fileURL).searchParams.get('token') as string;
      const path = new URL(up.fileURL);
      assert.equal((await t.app.inject({ method: 'GET', url: `${path.pathname}${path.search}` })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'GET', url: `${path.pathname}${path.search}&size=thumbnail` })).statusCode, 200);
      assert.ok(
        lines.some((l) => l.includes(path.pathname)),
        'the link was logged (without its token)',
      );
      assert.deepEqual(
        lines.filter((l) => l.includes(token)),
        [],
      );
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a store that cannot be written: 50300, no row, and the sweep row left to clean up after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-files-broken-'));
    // A regular file where the directory should be: every write fails.
    const blocked = join(dir, 'not-a-directory');
    writeFileSync(blocked, 'x');
    const t = await createTestApp('sqlite', { PARLEY_FILES_DIR: blocked });
    try {
      const alice = await loginUser(t, 'Alice');
      const bob = await loginUser(t, 'Bob');
      const room = succeeded<{ room: { roomID: string } }>(
        await clientCall(t, alice, '/v1/client/room/create', { name: 'Broken', type: 2, userIDs: [Number(bob.userID)] }),
      ).room.roomID;
      const { payload, contentType } = multipart([
        { name: 'roomID', value: room },
        { name: 'file', filename: 'doc.txt', type: 'text/plain', data: sampleDocument() },
      ]);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/file/upload',
        headers: { 'app-key': t.project.appKey.header, authorization: `Bearer ${alice.accessToken}`, 'content-type': contentType },
        payload,
      });
      assert.equal(res.statusCode, 200);
      refused(res.json(), 503, '50300');
      assert.equal(res.headers['retry-after'], '5');
      assert.deepEqual(await t.deps.db.selectFrom('files').selectAll().execute(), []);
      assert.equal((await t.deps.db.selectFrom('file_sweeps').selectAll().execute()).length, 1);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
