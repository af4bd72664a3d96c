// The notes nodes send each other through the broker, and their wire form. A note's header is JSON;
// a note that carries frames (a room event, an ephemeral event) then has each target's frame on a line
// of its own: frames are JSON, so they hold no raw newline, and they travel unescaped and are never
// re-parsed. Every header starts with the sender's node id, so a node drops its own notes unread.
import type { Invalidation } from '../security/auth-cache.ts';

/** One frame's text for some users; with its bytes when they were made with it (a socket here is sent those). */
export interface Target {
  users: number[];
  frame: string;
  bytes?: Buffer;
}

/** Header fields: `u` is reserved for the targets' users of a note with frames (encodeNote). */
export type Note =
  | { n: string; k: 'room'; p: string; r: string; s: number; a: number; t: Target[] }
  | { n: string; k: 'eph'; p: string; t: Target[] }
  | { n: string; k: 'members'; p: string; r: string }
  | { n: string; k: 'inv'; m: Invalidation }
  /** A user's first socket on node `n` opened (`on`), or the last one closed. */
  | { n: string; k: 'pres'; p: string; id: number; on: boolean }
  /** Node `n` is alive and holds sockets of these users, by project. */
  | { n: string; k: 'beat'; b: Record<string, number[]> };

export function encodeNote(note: Note): string {
  if (note.k !== 'room' && note.k !== 'eph') return JSON.stringify(note);
  const { t, ...header } = note;
  return `${JSON.stringify({ ...header, u: t.map((x) => x.users) })}\n${t.map((x) => x.frame).join('\n')}`;
}

/** The note a text holds; throws when it is not one. */
export function decodeNote(text: string): Note {
  const newline = text.indexOf('\n');
  const header = JSON.parse(newline < 0 ? text : text.slice(0, newline)) as Note & { u?: number[][] };
  if (header.u === undefined) return header;
  const frames = text.slice(newline + 1).split('\n');
  const users = header.u;
  delete header.u;
  return { ...header, t: users.map((u, i) => ({ users: u, frame: frames[i] ?? '' })) } as Note;
}

/** How every note of `node` starts on the wire. */
export const notePrefix = (node: string) => `{"n":${JSON.stringify(node)}`;
