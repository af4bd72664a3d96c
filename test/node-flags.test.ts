// Node's own flags for Parley (docs/configuration.md) are written in three places that must agree:
// `npm start`, the systemd unit, and the docs' command line (the bench reads `npm start`'s).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { nodeFlagsOf } from '../bench/phase.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

it('runs Node with the same flags in npm start, the systemd unit and the docs', () => {
  const start = nodeFlagsOf((JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start);
  assert.ok(start.includes('--single-threaded-gc') && start.includes('--heap-growing-percent=50'), start.join(' '));
  const unit = read('deploy/parley@.service').match(/^ExecStart=(.*)$/m)?.[1];
  assert.ok(unit !== undefined, 'the unit has an ExecStart line');
  assert.deepEqual(nodeFlagsOf(unit), start);
  const documented = read('docs/configuration.md').match(/Parley is run as `(node [^`]*)`/)?.[1];
  assert.ok(documented !== undefined, 'docs/configuration.md gives the command line');
  assert.deepEqual(nodeFlagsOf(documented), start);
});
