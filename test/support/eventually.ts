// Waits for something another process or node does: `check` every 20 ms, failing the test after
// `attempts` tries (5 s by default).
import assert from 'node:assert/strict';

export async function eventually(what: string, check: () => boolean | Promise<boolean>, attempts = 250): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`never happened: ${what}`);
}
