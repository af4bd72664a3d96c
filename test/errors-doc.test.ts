// docs/errors.md and the code table in src/errors.ts must list the same errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERRORS } from '../src/errors.ts';

it('docs/errors.md lists exactly the codes of src/errors.ts', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const rows = doc
    .split('\n')
    .filter((line) => /^\| [A-Z][A-Za-z]+ \| \d{3} \|/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  const documented = Object.fromEntries(rows.map(([name, status, code, message]) => [name, { status: Number(status), code, message }]));
  assert.deepEqual(documented, ERRORS);
});

it('codes are unique and start with their status', () => {
  const codes = Object.values(ERRORS).map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const e of Object.values(ERRORS)) assert.ok(e.code.startsWith(String(e.status)), e.code);
});
