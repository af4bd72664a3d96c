// The broker notes' wire form: every kind of note comes back as it was sent.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Note, decodeNote, encodeNote, notePrefix } from '../src/chat/notes.ts';

const NOTES: Note[] = [
  { n: 'node-1', k: 'room', p: 'prj', r: 'room', s: 7, a: 1_700_000_000_000, t: [{ users: [1, 2], frame: '{"eventName":"x","data":{"a":"b\\nc"}}' }] },
  {
    n: 'node-1',
    k: 'eph',
    p: 'prj',
    t: [
      { users: [3], frame: '{"eventName":"chat/startTyping"}' },
      { users: [], frame: '{}' },
    ],
  },
  { n: 'node-1', k: 'members', p: 'prj', r: 'room' },
  { n: 'node-1', k: 'inv', m: { kind: 'user', project: 'prj', id: 4 } },
  { n: 'node-1', k: 'pres', p: 'prj', id: 5, on: true },
  { n: 'node-1', k: 'pres', p: 'prj', id: 5, on: false },
  { n: 'node-1', k: 'beat', b: { prj: [1, 2, 3], other: [] } },
];

it('decodes every kind of note to what was encoded, each starting with its node prefix', () => {
  for (const note of NOTES) {
    const text = encodeNote(note);
    assert.ok(text.startsWith(notePrefix('node-1')), text);
    assert.deepEqual(decodeNote(text), note);
  }
});
