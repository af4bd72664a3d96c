// The client fields of a message kept as sent beyond body and data (spec §5.1): quote, replyTo,
// forwardFrom, target and three strings. They are copied into every delivery and every list, so what
// is stored must always serialise: their depth and size are bounded when a message is accepted, and
// a stored value that breaks the bound (written before it existed) is read back as the SDK's default.

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

/** What the SDKs send when a message quotes, replies to, forwards or targets nothing. */
export const EXTRA_DEFAULTS: Record<SubObject, Record<string, unknown>> = {
  quote: { title: '', content: '', imageURL: '', fileID: '', fileType: '' },
  replyTo: { userID: '0', xcUserID: '', fullname: '', messageID: '0', localID: '', messageType: 0 },
  forwardFrom: { userID: '0', xcUserID: '', fullname: '', messageID: '0', localID: '' },
  target: { targetType: '', targetID: '0', targetXCID: '', targetName: '' },
};

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
  const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
  const sub = (name: SubObject) => {
    const v = raw[name];
    return isRecord(v) && !nestsDeeperThan(v, MAX_SUB_OBJECT_DEPTH) ? v : { ...EXTRA_DEFAULTS[name] };
  };
  return {
    filterID: str(raw.filterID, ''),
    quote: sub('quote'),
    replyTo: sub('replyTo'),
    forwardFrom: sub('forwardFrom'),
    target: sub('target'),
    recipientID: str(raw.recipientID, '0'),
    action: str(raw.action, ''),
  };
}
