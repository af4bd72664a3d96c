// Receives a multipart upload: the fields, and the one `file` part streamed to a temporary file
// (never held in memory) with its size capped. Whatever goes wrong leaves no temporary file behind.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';

export interface ReceivedFile {
  path: string;
  size: number;
  /** The name the client gave (not trusted for anything but display). */
  fileName: string;
}

export interface Received {
  fields: Record<string, string>;
  file: ReceivedFile;
  /** Removes the temporary file: call when done with it. */
  discard(): Promise<void>;
}

const missingFile = () => new ApiError('ParamValidationFailed', { field: 'file', message: "Param 'file' is required" });

/** A multipart parser's refusal as the envelope's code. */
function intakeError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new ApiError('PayloadTooLarge', { field: 'file' });
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return missingFile();
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return new ApiError('ParamValidationFailed', { field: 'file', message: 'Too many parts: send one file and its fields' });
  }
  // Truncated or malformed multipart data, or a client gone mid-upload.
  return new ApiError('ParamValidationFailed', { field: 'file', message: 'The upload ended early or is malformed' });
}

/**
 * The upload of `request`. `beforeFile` sees the fields sent before the file (the SDKs send roomID
 * first): it may refuse before a single byte of the file is read.
 */
export async function receiveUpload(
  request: FastifyRequest,
  options: { maxBytes: number; beforeFile?: (fields: Record<string, string>) => Promise<void> },
): Promise<Received> {
  if (!request.isMultipart()) throw missingFile();
  const dir = await mkdtemp(join(tmpdir(), 'parley-upload-'));
  const discard = () => rm(dir, { recursive: true, force: true });
  const fields: Record<string, string> = {};
  let file: ReceivedFile | undefined;
  try {
    // The plugin is registered with throwFileSizeLimit: false (api/client/uploads.ts): a file over
    // the limit is cut short and marked truncated, which is checked below.
    const parts = request.parts({ limits: { fileSize: options.maxBytes, files: 1, fields: 16, fieldSize: 64 * 1024, parts: 24 } });
    for await (const part of parts) {
      if (part.type === 'field') {
        if (part.valueTruncated) throw new ApiError('ParamValidationFailed', { field: part.fieldname, message: `Param '${part.fieldname}' is too long` });
        if (!(part.fieldname in fields)) fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
        continue;
      }
      if (part.fieldname !== 'file') {
        part.file.resume();
        continue;
      }
      if (options.beforeFile !== undefined) await options.beforeFile(fields).catch((err: unknown) => Promise.reject({ own: err }));
      const path = join(dir, 'upload');
      const out = createWriteStream(path);
      await pipeline(part.file, out);
      if (part.file.truncated) throw new ApiError('PayloadTooLarge', { field: 'file', message: `The file is larger than ${options.maxBytes} bytes` });
      file = { path, size: out.bytesWritten, fileName: part.filename ?? '' };
    }
  } catch (err) {
    await discard();
    throw typeof err === 'object' && err !== null && 'own' in err ? err.own : intakeError(err);
  }
  if (file === undefined) {
    await discard();
    throw missingFile();
  }
  if (file.size === 0) {
    await discard();
    throw new ApiError('ParamValidationFailed', { field: 'file', message: 'The file is empty' });
  }
  return { fields, file, discard };
}
