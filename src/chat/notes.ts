// The notes nodes send each other through the broker, and their wire form. A note's header is JSON;
// a note that carries frames (a room event, an ephemeral event) then has each target's frame on a line
// of its own: frames are JSON, so they hold no raw newline (nor does UTF-8 put byte 0x0a inside a
// character), and they travel unescaped and are never re-parsed. A note is written as text, from the
// frames' text, and read as bytes: read off a note, a frame is cut out and written to the sockets as
// it is, never decoded to text and encoded again. Every header starts with the sender's node id, so a
// node drops its own notes unread. No line of a note is empty (a frame is a JSON value), so a broker
// joins a turn's notes with an empty line between them (broker.ts, bundler).
//
// Why text out and bytes in: a Buffer's memory is outside V8's heap, and V8 counts what is allocated
// there since its last full collection against the old generation's limit, while a young collection
// is started only by the heap's own allocations. A note made as bytes (and copied again by the Redis
// client) piled up that memory between young collections until each one set off a full one: through
// Redis, the storing process ran a full collection every half second (docs/performance.md). Text is on
// the heap and dies young; the socket's write encodes it. The receiving side is handed bytes anyway.
import type { Invalidation } from '../security/auth-cache.ts';

/** One frame's text for some users; with its bytes when they were made with it (a socket here is sent those). */
export interface Target {
  users: number[];
  frame: string;
  bytes?: Buffer;
}

/** A frame for some users as a note carries it: a target made here, or one read off another node's note (its bytes alone). */
export type Delivery = Target | { users: number[]; bytes: Buffer };

/** A delivery's bytes: the ones it carries, or its text encoded. */
export const bytesOf = (d: Delivery): Buffer => ('frame' in d ? (d.bytes ?? Buffer.from(d.frame)) : d.bytes);

/** Header fields: `u` is reserved for the targets' users of a note with frames (encodeNote). */
export type Note =
  | { n: string; k: 'room'; p: string; r: string; s: number; a: number; t: Delivery[] }
  | { n: string; k: 'eph'; p: string; t: Delivery[] }
  | { n: string; k: 'members'; p: string; r: string }
  | { n: string; k: 'inv'; m: Invalidation }
  /** A user's first socket on node `n` opened (`on`), or the last one closed. */
  | { n: string; k: 'pres'; p: string; id: number; on: boolean }
  /** Node `n` is alive and holds sockets of these users, by project. */
  | { n: string; k: 'beat'; b: Record<string, number[]> };

const NEWLINE = 0x0a;

type RoomNote = Extract<Note, { k: 'room' }>;
type EphemeralNote = Extract<Note, { k: 'eph' }>;
/** A frame-carrying note's header: its fields but the frames, and the frames' users as `u`. */
type Header<N> = Omit<N, 't'> & { u: number[][] };

/**
 * The note's wire form, as text (a frame read off another node's note, bytes alone, is decoded). The
 * header's fields are named one by one, in the order they travel (`n` first: notePrefix): copying them
 * by rest and spread took as long again as the serialisation (docs/performance.md, 2026-12-06, last).
 */
export function encodeNote(note: Note): string {
  if (note.k !== 'room' && note.k !== 'eph') return JSON.stringify(note);
  const u: number[][] = [];
  for (const target of note.t) u.push(target.users);
  let text = JSON.stringify(note.k === 'room' ? roomHeader(note, u) : ephemeralHeader(note, u));
  for (const target of note.t) text += `\n${'frame' in target ? target.frame : target.bytes.toString()}`;
  return text;
}

const roomHeader = (x: RoomNote, u: number[][]): Header<RoomNote> => ({ n: x.n, k: x.k, p: x.p, r: x.r, s: x.s, a: x.a, u });
const ephemeralHeader = (x: EphemeralNote, u: number[][]): Header<EphemeralNote> => ({ n: x.n, k: x.k, p: x.p, u });

/**
 * The note `data` holds; throws when it is not one. Its frames are views of `data`: valid as long as
 * `data` is (a broker lends it for its handler's call: Broker.subscribe).
 */
export function decodeNote(data: Buffer): Note {
  const newline = data.indexOf(NEWLINE);
  const header = JSON.parse(data.toString('utf8', 0, newline < 0 ? data.length : newline)) as Note | Header<RoomNote> | Header<EphemeralNote>;
  if (!('u' in header)) return header;
  const t: Delivery[] = [];
  // A note with fewer frames than users gives the rest an empty frame, as it always did.
  let start = newline < 0 ? data.length : newline + 1;
  for (const users of header.u) {
    const found = data.indexOf(NEWLINE, start);
    const end = found < 0 ? data.length : found;
    t.push({ users, bytes: data.subarray(start, end) });
    start = Math.min(end + 1, data.length);
  }
  // A new object of the note's own fields, as encodeNote names them (deleting `u` cost more than the parse).
  if (header.k === 'room') return { n: header.n, k: header.k, p: header.p, r: header.r, s: header.s, a: header.a, t };
  if (header.k === 'eph') return { n: header.n, k: header.k, p: header.p, t };
  throw new Error('frames on a note of no kind that carries them');
}

/** How every note of `node` starts on the wire. */
export const notePrefix = (node: string) => `{"n":${JSON.stringify(node)}`;
