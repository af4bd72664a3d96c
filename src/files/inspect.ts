// What an uploaded file is, from its bytes (file-type), never from what the client says: the kind
// the client declared must match. Images get their size and a small JPEG thumbnail (sharp).
import { fileTypeFromFile } from 'file-type';
import type { Metadata } from 'sharp';
import { ApiError } from '../errors.ts';

export type FileKind = 'image' | 'video' | 'audio' | 'file';

export interface Inspected {
  kind: FileKind;
  /** The detected type, or application/octet-stream when the bytes say nothing. */
  mediaType: string;
  width: number;
  height: number;
  thumbnail: Buffer | undefined;
}

/** Images larger than this are refused (a small file can decode to gigabytes of pixels). */
export const MAX_IMAGE_PIXELS = 50_000_000;
const THUMBNAIL_EDGE = 200;

/** Containers a browser records voice notes in, which the bytes alone call video. */
const AUDIO_CONTAINERS = new Set(['video/webm', 'video/mp4', 'video/ogg']);

const mismatch = (kind: FileKind) => new ApiError('FileTypeMismatch', { field: 'file', message: `The file is not ${kind === 'audio' ? 'an' : 'a'} ${kind}` });

function matches(kind: FileKind, mime: string | undefined): boolean {
  if (kind === 'file') return true;
  if (mime === undefined) return false;
  if (kind === 'image') return mime.startsWith('image/') && !mime.includes('svg');
  if (kind === 'audio') return mime.startsWith('audio/') || AUDIO_CONTAINERS.has(mime);
  return mime.startsWith('video/');
}

// sharp (libvips) adds about 30 MB to a process: loaded with the first image, not at start.
let sharpModule: Promise<typeof import('sharp')> | undefined;
async function loadSharp() {
  sharpModule ??= import('sharp');
  return (await sharpModule).default;
}

export async function inspectFile(path: string, declared: FileKind): Promise<Inspected> {
  const mime = (await fileTypeFromFile(path))?.mime;
  if (!matches(declared, mime)) throw mismatch(declared);
  const mediaType = mime ?? 'application/octet-stream';
  if (declared !== 'image') return { kind: declared, mediaType, width: 0, height: 0, thumbnail: undefined };
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
  } catch {
    throw new ApiError('FileTypeMismatch', { field: 'file', message: 'The image cannot be read' });
  }
  const [w, h] = [meta.width ?? 0, meta.height ?? 0];
  if (w * h > MAX_IMAGE_PIXELS) throw new ApiError('PayloadTooLarge', { field: 'file', message: `The image has more than ${MAX_IMAGE_PIXELS} pixels` });
  // EXIF orientations 5-8 turn the picture a quarter: the displayed size is the other way round.
  const turned = (meta.orientation ?? 1) >= 5;
  let thumbnail: Buffer;
  try {
    thumbnail = await sharp(path, { limitInputPixels: MAX_IMAGE_PIXELS })
      .rotate()
      .resize({ width: THUMBNAIL_EDGE, height: THUMBNAIL_EDGE, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 70 })
      .toBuffer();
  } catch {
    // A header that reads but pixels that do not: a truncated or corrupt image.
    throw new ApiError('FileTypeMismatch', { field: 'file', message: 'The image cannot be read' });
  }
  return { kind: 'image', mediaType, width: turned ? h : w, height: turned ? w : h, thumbnail };
}
