// The client fields of a message kept as sent beyond body and data (spec §5.1): quote, replyTo,
// forwardFrom, target and three strings. They are copied into every delivery and every list, so what
// is stored must always serialise: their depth and size are bounded when a message is accepted, and
// a stored value that breaks the bound (written before it existed) is read back as the SDK's default.
import { frozenJson } from './frozen-json.ts';

export interface MessageExtra {
  filterID: string;
  quote: Record<string, unknown>;
  replyTo: Record<string, unknown>;
  forwardFrom: Record<string, unknown>;
  target: Record<string, unknown>;
  recipientID: string;
  action: string;
}

export const SUB_OBJECTS = ['quote', 'replyTo', 'forwardFrom', 'target'] as const;
export type SubObject = (typeof SUB_OBJECTS)[number];

/**
 * What the SDKs send when a message quotes, replies to, forwards or targets nothing. Frozen: every
 * message that carries a default shares its object (`sharedDefault`), serialised once.
 */
export const EXTRA_DEFAULTS: Record<SubObject, Record<string, unknown>> = {
  quote: Object.freeze({ title: '', content: '', imageURL: '', fileID: '', fileType: '' }),
  replyTo: Object.freeze({ userID: '0', xcUserID: '', fullname: '', messageID: '0', localID: '', messageType: 0 }),
  forwardFrom: Object.freeze({ userID: '0', xcUserID: '', fullname: '', messageID: '0', localID: '' }),
  target: Object.freeze({ targetType: '', targetID: '0', targetXCID: '', targetName: '' }),
};

/** Each default's JSON and its number of fields. */
const DEFAULT_JSON = new Map<object, string>(SUB_OBJECTS.map((f) => [EXTRA_DEFAULTS[f], JSON.stringify(EXTRA_DEFAULTS[f])]));
const DEFAULT_FIELDS = Object.fromEntries(SUB_OBJECTS.map((f) => [f, Object.keys(EXTRA_DEFAULTS[f]).length])) as Record<SubObject, number>;

/**
 * The shared default when `v` holds exactly the default's fields with the default's values (in any
 * order: the default's JSON is what a copy of the default overlaid with `v` serialises to), or
 * undefined. The SDKs send all four sub-objects with every message, nearly always as defaults: shared,
 * they are neither copied nor serialised again when a message is stored and delivered.
 */
export function sharedDefault(field: SubObject, v: Record<string, unknown>): Record<string, unknown> | undefined {
  const standard = EXTRA_DEFAULTS[field];
  let fields = 0;
  for (const key in v) {
    if (!Object.hasOwn(standard, key) || v[key] !== standard[key]) return undefined;
    fields++;
  }
  return fields === DEFAULT_FIELDS[field] ? standard : undefined;
}

/** A sub-object's JSON: a shared default's is made once. */
export const subObjectJson = (v: Record<string, unknown>): string => DEFAULT_JSON.get(v) ?? JSON.stringify(v);

const str = JSON.stringify;

/** The extra fields' JSON between `filterID` and `recipientID`'s value when all four sub-objects are the shared defaults. */
const DEFAULTS_BETWEEN = `${SUB_OBJECTS.map((f) => `,${str(f)}:${subObjectJson(EXTRA_DEFAULTS[f])}`).join('')},"recipientID":`;

/**
 * JSON.stringify(extra), in MessageExtra's field order. With the four shared defaults (the SDK's usual
 * message) it is composed around their JSON, made once. An extra with a sub-object of its own is
 * serialised once and kept with it (`frozenJson`): it is measured when the message is read and written
 * again when it is stored.
 */
export function extraJson(x: MessageExtra): string {
  const shared = DEFAULT_JSON.has(x.quote) && DEFAULT_JSON.has(x.replyTo) && DEFAULT_JSON.has(x.forwardFrom) && DEFAULT_JSON.has(x.target);
  if (!shared) return frozenJson(x);
  return `{"filterID":${str(x.filterID)}${DEFAULTS_BETWEEN}${str(x.recipientID)},"action":${str(x.action)}}`;
}

/**
 * Levels of objects and arrays a sub-object may hold below itself. The SDKs send flat objects of
 * strings and numbers; a little room is left for apps that put a small structure in a field.
 */
export const MAX_SUB_OBJECT_DEPTH = 4;

/** Sub-objects and strings together, as JSON text: they ride along with every delivery. */
export const MAX_EXTRA_CHARS = 16_384;

/** True when `value` nests objects or arrays more than `max` levels below itself (never recurses past `max`). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (nestsDeeperThan(child, max - 1)) return true;
  }
  return false;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The extra fields of a stored row. Never throws: a value that cannot be read, or nests deeper than
 * any accepted message may, becomes the default, so one bad row never breaks a room's reads.
 */
export function readStoredExtra(text: string): MessageExtra {
  let parsed: unknown;
  try {
    parsed = text.length > MAX_EXTRA_CHARS * 4 ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const raw = isRecord(parsed) ? parsed : {};
  const asString = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
  const sub = (name: SubObject) => {
    const v = raw[name];
    return isRecord(v) && !nestsDeeperThan(v, MAX_SUB_OBJECT_DEPTH) ? (sharedDefault(name, v) ?? v) : EXTRA_DEFAULTS[name];
  };
  return {
    filterID: asString(raw.filterID, ''),
    quote: sub('quote'),
    replyTo: sub('replyTo'),
    forwardFrom: sub('forwardFrom'),
    target: sub('target'),
    recipientID: asString(raw.recipientID, '0'),
    action: asString(raw.action, ''),
  };
}
