// The broker notes' wire form: every kind of note comes back as it was sent.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BUNDLE_SEPARATOR, eachNote, startingWith } from '../src/chat/broker.ts';
import { type Note, bytesOf, decodeNote, encodeNote, notePrefix } from '../src/chat/notes.ts';

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

/** A note as it comes back: a frame read off a note is its bytes alone. */
const asRead = (note: Note): Note => ('t' in note ? { ...note, t: note.t.map((x) => ({ users: x.users, bytes: bytesOf(x) })) } : note);

it('decodes every kind of note to what was encoded, each starting with its node prefix', () => {
  for (const note of NOTES) {
    const text = encodeNote(note);
    assert.ok(text.startsWith(notePrefix('node-1')), text);
    assert.deepEqual(decodeNote(Buffer.from(text)), asRead(note));
  }
});

it("writes a note as text from its frames' text, and reads its frames as bytes", () => {
  const frame = '{"eventName":"chat/sendMessage","data":{"body":"héllo 👋\\n"}}';
  const made: Note = {
    n: 'node-1',
    k: 'room',
    p: 'prj',
    r: 'room',
    s: 8,
    a: 1,
    t: [
      { users: [1], frame, bytes: Buffer.from(frame) },
      { users: [2, 3], frame: '{}' },
    ],
  };
  const text = encodeNote(made);
  assert.equal(text, `{"n":"node-1","k":"room","p":"prj","r":"room","s":8,"a":1,"u":[[1],[2,3]]}\n${frame}\n{}`);
  // Bytes in an ArrayBuffer of their own (a copy from Node's shared pool could land in the same one).
  const data = Buffer.from(new TextEncoder().encode(text).buffer);
  const read = decodeNote(data);
  assert.deepEqual(read, asRead(made));
  // Each frame read is a view of the note's bytes, not a copy of them.
  const first = read.k === 'room' ? bytesOf(read.t[0] as (typeof read.t)[number]) : Buffer.alloc(0);
  assert.equal(first.toString(), frame);
  assert.equal(first.buffer, data.buffer);
  // A frame read off a note (its bytes alone) is written on as it came: the same note again.
  assert.equal(encodeNote(read), text);
});

it('gives the users of a note cut short an empty frame, and refuses what is not a note', () => {
  const short = decodeNote(Buffer.from('{"n":"x","k":"eph","p":"prj","u":[[1],[2]]}\n{"a":1}'));
  assert.deepEqual(short, {
    n: 'x',
    k: 'eph',
    p: 'prj',
    t: [
      { users: [1], bytes: Buffer.from('{"a":1}') },
      { users: [2], bytes: Buffer.alloc(0) },
    ],
  });
  const headerOnly = decodeNote(Buffer.from('{"n":"x","k":"eph","p":"prj","u":[[1]]}'));
  assert.deepEqual(headerOnly, { n: 'x', k: 'eph', p: 'prj', t: [{ users: [1], bytes: Buffer.alloc(0) }] });
  assert.throws(() => decodeNote(Buffer.from('not json\n{}')));
  // Frames on a note of a kind that carries none.
  assert.throws(() => decodeNote(Buffer.from('{"n":"x","k":"members","p":"prj","r":"room","u":[[1]]}\n{}')));
});

// A broker joins a turn's notes with an empty line (chat/broker.ts, bundler). Every note's lines are
// non-empty, so the bundle cuts apart where it was joined; a node of an older version, which decodes
// a message as one note, reads the first note whole and drops the rest (refilling a room's gap).
it('holds no empty line in any note, so a bundle of notes cuts apart where it was joined', () => {
  const texts = NOTES.map(encodeNote);
  for (const text of texts) assert.ok(!text.includes(BUNDLE_SEPARATOR), text);
  const bundle = Buffer.from(texts.join(BUNDLE_SEPARATOR));
  const cut: Note[] = [];
  eachNote(bundle, (data) => cut.push(decodeNote(data)));
  assert.deepEqual(cut, NOTES.map(asRead));
  assert.deepEqual(decodeNote(bundle), asRead(NOTES[0] as Note), 'an older node reads the first note');
  const skipped: string[] = [];
  eachNote(
    Buffer.from(['{"n":"a"}', '{"n":"b"}', '{"n":"a","x":1}', '{"n":"c"}'].join(BUNDLE_SEPARATOR)),
    (d) => skipped.push(d.toString()),
    startingWith('{"n":"a"'),
  );
  assert.deepEqual(skipped, ['{"n":"b"}', '{"n":"c"}'], 'the notes `skip` holds true for are dropped, each on its own');
});
