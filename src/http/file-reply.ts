// How uploaded bytes leave Parley: never as something that can run on its origin. The detected type
// (application/octet-stream when unknown), nosniff, a sandboxing CSP, and anything that is not a
// picture, a video or a sound as an attachment. Also multipart for the upload routes, and the base of
// file links.
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import type { FileBytes } from '../services/files.ts';

/** Multipart for the routes of `app` (an encapsulated group): limits are set per route. */
export async function useMultipart(app: FastifyInstance): Promise<void> {
  await app.register(multipart, { throwFileSizeLimit: false });
}

/** Where links to files start: PARLEY_PUBLIC_URL, or the origin the request came to. */
export function linkBase(deps: Deps, request: FastifyRequest): string {
  return deps.files.publicUrl ?? `${request.protocol}://${request.host}`;
}

const INLINE = /^(image\/(png|jpeg|gif|webp|avif|bmp|heic|heif|tiff)|video\/[\w.+-]+|audio\/[\w.+-]+)$/;

export function sendFileBytes(reply: FastifyReply, bytes: FileBytes, thumbnail = false): FastifyReply {
  const type = thumbnail ? 'image/jpeg' : bytes.file.mediaType;
  const name = bytes.file.fileName === '' ? bytes.file.id : bytes.file.fileName;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  reply
    .header('content-type', type)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', 'sandbox')
    .header('cross-origin-resource-policy', 'cross-origin')
    .header('cache-control', 'private, max-age=86400')
    .header('content-disposition', `${INLINE.test(type) ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`);
  if (bytes.size !== undefined) reply.header('content-length', String(bytes.size));
  return reply.send(bytes.body);
}
