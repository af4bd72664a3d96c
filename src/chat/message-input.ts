// Reads a message a client sends over the socket (spec §4.3, §5.1). The client's content fields are
// kept exactly as sent; missing sub-objects get the SDK's defaults so every stored message is complete.
import { ApiError } from '../errors.ts';
import {
  EXTRA_DEFAULTS,
  MAX_EXTRA_CHARS,
  MAX_SUB_OBJECT_DEPTH,
  type MessageExtra,
  type SubObject,
  extraJson,
  nestsDeeperThan,
  sharedDefault,
} from './message-extra.ts';
import { assertStorableText } from '../validation.ts';

export interface MessageLimits {
  /** Characters of `body` and of `data` (ciphertext). */
  content: number;
}

export interface ClientMessage {
  roomID: string;
  localID: string;
  type: number;
  body: string;
  data: string;
  isHidden: boolean;
  extra: MessageExtra;
}

const invalid = (field: string, message: string) => new ApiError('ParamValidationFailed', { field, message });
const forbidden = (field: string, message: string) => new ApiError('PermissionDenied', { field, message });

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(m: Record<string, unknown>, field: string, max: number): string {
  const v = m[field];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalid(field, `${field} must be a string`);
  if (v.length > max) throw new ApiError('PayloadTooLarge', { field, message: `${field} is too long (max ${max} characters)` });
  return v;
}

function subObject(m: Record<string, unknown>, field: SubObject): Record<string, unknown> {
  const v = m[field];
  if (v === undefined || v === null) return EXTRA_DEFAULTS[field];
  if (!isObject(v)) throw invalid(field, `${field} must be an object`);
  const standard = sharedDefault(field, v);
  if (standard !== undefined) return standard;
  // Checked before anything serialises it: a structure thousands of levels deep overflows the stack.
  if (nestsDeeperThan(v, MAX_SUB_OBJECT_DEPTH)) throw invalid(field, `${field} nests too deeply (at most ${MAX_SUB_OBJECT_DEPTH} levels)`);
  return { ...EXTRA_DEFAULTS[field], ...v };
}

/** The room id a client event names: `room.roomID` in messages, `roomID` in typing events. */
export function roomIdOf(value: unknown, field = 'room.roomID'): string {
  if (typeof value !== 'string' || value === '' || value.length > 100) throw invalid(field, 'roomID is required');
  return value;
}

/** Types the SDKs act on as the server's own (9001 system messages: room deleted, member left, …). */
const SERVER_TYPES = { min: 9000, max: 9999 };

export const isServerType = (type: number) => type >= SERVER_TYPES.min && type <= SERVER_TYPES.max;

/**
 * Reads a message. From a client (`origin` 'client'), system types and a system `action` are refused:
 * the SDKs act on them (a `room/delete` removes the room), so only the server may write them.
 */
export function readClientMessage(raw: unknown, limits: MessageLimits, origin: 'client' | 'server' = 'client'): ClientMessage {
  if (!isObject(raw)) throw invalid('data', 'data must be a message object');
  assertStorableText(raw, '');
  const room = raw.room;
  if (!isObject(room)) throw invalid('room', 'room is required');
  const roomID = roomIdOf(room.roomID);
  const localID = raw.localID;
  // The SDKs make 32 characters of [A-Za-z0-9_]; it keys the cipher, so it is kept exactly.
  if (typeof localID !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(localID)) throw invalid('localID', 'localID must be 1-64 printable ASCII characters');
  const type = raw.type;
  if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > 999_999) throw invalid('type', 'type must be a message type number');
  const isHidden = raw.isHidden;
  if (isHidden !== undefined && isHidden !== null && typeof isHidden !== 'boolean') throw invalid('isHidden', 'isHidden must be a boolean');
  const extra: MessageExtra = {
    filterID: optionalString(raw, 'filterID', 255),
    quote: subObject(raw, 'quote'),
    replyTo: subObject(raw, 'replyTo'),
    forwardFrom: subObject(raw, 'forwardFrom'),
    target: subObject(raw, 'target'),
    recipientID: optionalString(raw, 'recipientID', 32) || '0',
    action: optionalString(raw, 'action', 100),
  };
  if (origin === 'client') {
    if (isServerType(type)) throw forbidden('type', `Message types ${SERVER_TYPES.min}-${SERVER_TYPES.max} are written by the server only`);
    if (extra.action !== '') throw forbidden('action', 'action is written by the server only');
  }
  if (extraJson(extra).length > MAX_EXTRA_CHARS) throw new ApiError('PayloadTooLarge', { field: 'quote', message: 'Message metadata is too large' });
  return {
    roomID,
    localID,
    type,
    body: optionalString(raw, 'body', limits.content),
    data: optionalString(raw, 'data', limits.content),
    isHidden: isHidden === true,
    extra,
  };
}
