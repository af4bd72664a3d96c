// Where uploaded bytes live: one small interface, a local directory (default) or an S3-compatible
// bucket (files/s3-store.ts). Keys are `<projectId>/<fileId>` (and `.thumb` beside it); the database
// says which keys are live, the store only holds bytes.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface FileStore {
  /** Writes the whole stream under `key` (replacing what was there); `size` is its length in bytes. */
  put(key: string, body: Readable, size: number): Promise<void>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<Readable | undefined>;
  /** Removes `key`; no error when it is already gone. */
  delete(key: string): Promise<void>;
}

/** Keys are ids we make ([a-z0-9_.-/]): anything else is a bug, never a path to follow. */
const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/;

export function localStore(dir: string): FileStore {
  const root = resolve(dir);
  const pathOf = (key: string) => {
    if (!KEY.test(key) || key.includes('..')) throw new Error(`bad file key ${JSON.stringify(key)}`);
    const path = resolve(join(root, key));
    if (!path.startsWith(root + sep)) throw new Error(`bad file key ${JSON.stringify(key)}`);
    return path;
  };
  return {
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Written beside, then renamed: a reader never sees half a file, a crash leaves only a .part.
      const part = `${path}.${process.pid}.${Date.now()}.part`;
      try {
        await pipeline(body, createWriteStream(part, { flags: 'wx' }));
        await rename(part, path);
      } catch (err) {
        await rm(part, { force: true });
        throw err;
      }
    },
    async get(key) {
      const stream = createReadStream(pathOf(key));
      return new Promise<Readable | undefined>((done, fail) => {
        stream.once('open', () => done(stream));
        stream.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? done(undefined) : fail(err)));
      });
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
