// The message cipher: the spec's test vector, round trips, garbage, and both directions against the
// official web SDK's own encryptKey/decryptKey (read from node_modules at test time, never copied).
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decryptContent, deriveKey, encryptContent, newLocalId } from '../src/chat/cipher.ts';

const LOCAL_ID = 'ABCDEFGHijklmnopQRSTUVWXyz012345';
const localIds = fc.stringMatching(/^[A-Za-z0-9_]{32}$/);
// Well-formed Unicode (no lone surrogates), emoji and astral planes included.
const texts = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.json());

interface Sdk {
  encryptKey(text: string, localID: string): string;
  decryptKey(wire: string, localID: string): string | null;
}

/**
 * The SDK's index.js touches `window` at load, so its cipher functions are sliced out by name and
 * evaluated on their own, with the SDK's bundled crypto-js.
 */
function loadSdk(): Sdk {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@taptalk.io/web-sdk'));
  const source = readFileSync(join(dir, 'index.js'), 'utf8');
  const CryptoJS = require(join(dir, 'lib/crypto-js.js'));
  const constant = /const KEY_PASSWORD_ENCRYPTOR = "[^"]+";/.exec(source)?.[0];
  assert.ok(constant, 'KEY_PASSWORD_ENCRYPTOR not found in the SDK');
  const names = ['getAesString', 'getDeAesString', 'byteArrayToWordArray', 'encryptKey', 'decryptKey'];
  const functions = names.map((name) => sliceFunction(source, name));
  const body = `${constant}\n${functions.join('\n')}\nreturn { encryptKey, decryptKey };`;
  return new Function('CryptoJS', body)(CryptoJS) as Sdk;
}

/** `function name(...) {...}`, up to its matching brace (the cipher functions hold no braces in strings). */
function sliceFunction(source: string, name: string): string {
  const start = source.indexOf(`function ${name}(`);
  assert.ok(start >= 0, `${name} not found in the SDK`);
  let depth = 0;
  for (let i = source.indexOf('{', start); i < source.length; i++) {
    if (source[i] === '{') depth++;
    else if (source[i] === '}' && --depth === 0) return source.slice(start, i + 1);
  }
  throw new Error(`${name} has no end`);
}

describe('message cipher', () => {
  it('matches the spec test vector', () => {
    assert.equal(deriveKey(LOCAL_ID).toString('hex'), '80997621534ab36018570b4aeacff8f1b79f14e5513eec059aa5450d1817e349');
    assert.deepEqual(deriveKey(LOCAL_ID), createHash('sha256').update('kHT0sVGIKKpnlJE5XWVUTSRQponmlkji').digest(), 'password');
    const aes = createCipheriv('aes-256-cbc', deriveKey(LOCAL_ID), Buffer.alloc(16));
    assert.equal(Buffer.concat([aes.update('Hello'), aes.final()]).toString('base64'), 'MqusgwK/DXEY8Ck9LEx7Vw==');
    assert.equal(encryptContent('Hello', LOCAL_ID, 3), '3MqusgwK/DFXEY8Ck9LEx7Vw==');
    assert.equal(decryptContent('3MqusgwK/DFXEY8Ck9LEx7Vw==', LOCAL_ID), 'Hello');
  });

  it('round-trips empty, ASCII, Unicode, JSON and 1 KB texts', () => {
    for (const text of ['', 'Hello, world', 'héllo 世界 🎉👩‍👩‍👧', JSON.stringify({ fileID: 'f1', size: 12, name: 'ä.png' })]) {
      const id = newLocalId();
      for (let digit = 1; digit <= 9; digit++) assert.equal(decryptContent(encryptContent(text, id, digit), id), text);
    }
    fc.assert(
      fc.property(fc.oneof(texts, fc.string({ unit: 'binary', minLength: 1024, maxLength: 1024 })), localIds, (text, id) => {
        assert.equal(decryptContent(encryptContent(text, id), id), text);
      }),
      { numRuns: 300 },
    );
    assert.throws(() => encryptContent('x', LOCAL_ID, 0), RangeError);
    assert.throws(() => encryptContent('x', ''), RangeError);
  });

  it('returns undefined for garbage, never throws', () => {
    const good = encryptContent('Hello', LOCAL_ID, 3);
    // Decryption ignores the salt char, so each case damages something else.
    for (const wire of [
      '',
      '3',
      '0MqusgwK/DFXEY8Ck9LEx7Vw==',
      'xMqusgwK/DFXEY8Ck9LEx7Vw==',
      '3Mqus!wK/DFXEY8Ck9LEx7Vw==',
      '3MqusgwK/DFXEY8Ck9LEx7V==',
      good.slice(0, -4),
    ]) {
      assert.equal(decryptContent(wire, LOCAL_ID), undefined, wire);
    }
    assert.equal(decryptContent(good, 'ZZZZZZZZzzzzzzzzZZZZZZZZzzzzzzzz'), undefined, 'another localID');
    const anything = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.base64String());
    fc.assert(
      fc.property(fc.constantFrom('1', '5', '9', 'x'), anything, localIds, (digit, wire, id) => {
        const plain = decryptContent(digit + wire, id);
        assert.ok(plain === undefined || typeof plain === 'string');
      }),
      { numRuns: 500 },
    );
  });

  it('makes 32-char localIDs from [A-Za-z0-9_]', () => {
    const ids = new Set(Array.from({ length: 100 }, newLocalId));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_]{32}$/);
  });

  it('agrees with the web SDK in both directions', () => {
    const sdk = loadSdk();
    assert.equal(sdk.decryptKey('3MqusgwK/DFXEY8Ck9LEx7Vw==', LOCAL_ID), 'Hello');
    fc.assert(
      fc.property(fc.oneof(texts, fc.constant(''), fc.string({ unit: 'binary', minLength: 1024, maxLength: 1024 })), localIds, (text, id) => {
        assert.equal(sdk.decryptKey(encryptContent(text, id), id), text, 'ours → SDK');
        assert.equal(decryptContent(sdk.encryptKey(text, id), id), text, 'SDK → ours');
      }),
      { numRuns: 300 },
    );
  });
});
