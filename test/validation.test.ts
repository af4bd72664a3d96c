// The URL rule's shortcut (URL.canParse for the usual `http://` / `https://` spelling) against the rule
// it stands for: a WHATWG URL whose protocol is http: or https:. Every other rule is exercised through
// the routes (server-auth-ticket, onetalk-contacts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type FieldRule, POWERTALK_MESSAGES, validate } from '../src/validation.ts';

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
