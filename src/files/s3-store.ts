// The file store on an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, …), path-style addressing.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { S3Config } from '../config-parts.ts';
import type { FileStore } from './store.ts';

export function s3Store(config: S3Config): FileStore & { close(): void } {
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: true,
    credentials: config.accessKeyId === undefined ? undefined : { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey ?? '' },
    // Plain signed PUTs with a known length: every S3-compatible server understands them
    // (the SDK's default streaming checksums are not understood by all of them).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = config.bucket;
  return {
    async put(key, body, size) {
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentLength: size }));
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return out.Body as Readable;
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    close: () => client.destroy(),
  };
}
