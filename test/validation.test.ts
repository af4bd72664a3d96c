// The URL rule's shortcut (URL.canParse for the usual `http://` / `https://` spelling) against the rule
// it stands for: a WHATWG URL whose protocol is http: or https:. The text rule's shortcut for socket
// frames (parseUtf8Json) against the walk it skips. Every other rule is exercised through the routes
// (server-auth-ticket, onetalk-contacts, socket-input).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type FieldRule, POWERTALK_MESSAGES, assertStorableText, parseUtf8Json, validate } from '../src/validation.ts';

const RULES = [{ name: 'photo', field: '110', label: 'Photo', required: true, max: 2000, format: 'url' }] as const satisfies readonly FieldRule[];

function accepted(value: string): boolean {
  try {
    validate({ photo: value }, RULES, POWERTALK_MESSAGES);
    return true;
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

describe('validation: the url format', () => {
  it('accepts exactly the http and https URLs WHATWG parses', () => {
    const cases = [
      'http://www.example.com/photo/thumb/6.jpg',
      'https://example.com',
      'http://',
      'https://',
      'http:///x',
      'http://exa mple.com/',
      'http://[::1]:8080/a',
      'http://example.com:99999/',
      'https://例え.jp/写真.png',
      // Latin-1, which Node 20's optimised URL.canParse misreads (called often enough below to be optimised).
      'http://é.com/',
      'http://¡',
      'HTTPS://EXAMPLE.COM/A.JPG',
      ' http://example.com',
      'http:example.com',
      'h\tttp://example.com',
      'ftp://example.com/a.jpg',
      'javascript:alert(1)',
      'not a url',
    ];
    for (let round = 0; round < 3000; round++) for (const value of cases) assert.equal(accepted(value), isHttpUrl(value), value);
    const prefixes = fc.constantFrom('http://', 'https://', 'HTTP://', 'http:', 'https:/', ' https://', 'ftp://', '');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.webUrl({ withQueryParameters: true, withFragments: true }),
          fc.tuple(prefixes, fc.string({ unit: 'binary' })).map(([p, s]) => p + s),
        ),
        (value) => {
          // Longer values and NUL characters are refused before the format is looked at.
          fc.pre(value.length <= 2000 && !value.includes('\0'));
          assert.equal(accepted(value), isHttpUrl(value), value);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('validation: the text rule of a parsed frame', () => {
  const verdict = (check: () => void) => {
    try {
      check();
      return 'kept';
    } catch (err) {
      return (err as { field?: string }).field ?? String(err);
    }
  };

  it('trusts a frame without escapes exactly where walking it would find nothing, whatever bytes it came from', () => {
    // Any JSON, strings with NULs and lone surrogates included, as bytes; some bytes then changed (a lone
    // surrogate's own UTF-8 encoding, ED A0 80, among them); whatever still parses after decoding is judged.
    const spoiled = fc.tuple(
      fc.oneof(fc.jsonValue(), fc.dictionary(fc.string({ unit: 'binary' }), fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })))),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(0x00, 0x5c, 0x75, 0xed, 0xa0, 0x80, 0xff)), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(spoiled, ([v, changes]) => {
        const bytes = Buffer.from(JSON.stringify(v) ?? 'null');
        for (const [at, byte] of changes) bytes[at % bytes.length] = byte;
        const text = bytes.toString('utf8');
        let walked: unknown;
        try {
          walked = JSON.parse(text);
        } catch {
          return;
        }
        const trusted = parseUtf8Json(text) as Record<string, unknown>;
        const expected = verdict(() => assertStorableText(walked, ''));
        assert.equal(
          verdict(() => assertStorableText(trusted, '')),
          expected,
        );
        if (typeof trusted === 'object' && trusted !== null && !Array.isArray(trusted)) {
          for (const [key, child] of Object.entries(trusted)) {
            const fresh = (walked as Record<string, unknown>)[key];
            assert.equal(
              verdict(() => assertStorableText(child, key)),
              verdict(() => assertStorableText(fresh, key)),
            );
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('still walks a frame whose text escapes anything, and names the field', () => {
    const text = JSON.stringify({ eventName: 'x', data: { quote: { content: 'a\u0000' }, body: 'fine' } });
    assert.equal(
      verdict(() => assertStorableText((parseUtf8Json(text) as { data: unknown }).data, '')),
      'quote.content',
    );
    const lone = Buffer.concat([Buffer.from('{"data":{"body":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}}')]).toString('utf8');
    const parsed = parseUtf8Json(lone) as { data: { body: string } };
    assert.equal(parsed.data.body, '\ufffd\ufffd\ufffd', "a lone surrogate's bytes decode to replacement characters");
    assert.equal(
      verdict(() => assertStorableText(parsed.data, '')),
      'kept',
    );
  });
});
