// Reads a message a client sends over the socket (spec §4.3, §5.1). The client's content fields are
// kept exactly as sent; missing sub-objects get the SDK's defaults so every stored message is complete.
import { ApiError } from '../errors.ts';
import { assertStorableText } from '../validation.ts';
import type { MessageExtra } from '../repos/messages.ts';

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

const DEFAULTS = {
  quote: { title: '', content: '', imageURL: '', fileID: '', fileType: '' },
  replyTo: { userID: '0', xcUserID: '', fullname: '', messageID: '0', localID: '', messageType: 0 },
  forwardFrom: { userID: '0', xcUserID: '', fullname: '', messageID: '0', localID: '' },
  target: { targetType: '', targetID: '0', targetXCID: '', targetName: '' },
};

/** Sub-objects (quote, replyTo, …) together stay small: they are copied into every delivery. */
const MAX_EXTRA_CHARS = 16_384;

const invalid = (field: string, message: string) => new ApiError('ParamValidationFailed', { field, message });

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

function subObject(m: Record<string, unknown>, field: keyof typeof DEFAULTS): Record<string, unknown> {
  const v = m[field];
  if (v === undefined || v === null) return { ...DEFAULTS[field] };
  if (!isObject(v)) throw invalid(field, `${field} must be an object`);
  return { ...DEFAULTS[field], ...v };
}

/** The room id a client event names: `room.roomID` in messages, `roomID` in typing events. */
export function roomIdOf(value: unknown, field = 'room.roomID'): string {
  if (typeof value !== 'string' || value === '' || value.length > 100) throw invalid(field, 'roomID is required');
  return value;
}

export function readClientMessage(raw: unknown, limits: MessageLimits): ClientMessage {
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
  if (JSON.stringify(extra).length > MAX_EXTRA_CHARS) throw new ApiError('PayloadTooLarge', { field: 'quote', message: 'Message metadata is too large' });
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
