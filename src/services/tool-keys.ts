// App keys that Parley's own tools hand to a client: the /demo page (`serve --demo`) and `parley chat`.
// A key's secret is stored only as a hash, so to hand out the same key again after a restart (an open
// demo tab then reconnects by itself) its secret is also kept sealed in `settings`, under a key derived
// from the signing secret, as webhook secrets are (security/secret-box.ts): a copy of the database
// alone does not reveal it. Revoking the key (`parley key revoke`) makes the next start create another.
import { findKeyForAuth } from '../repos/projects.ts';
import { findSetting, replaceSetting } from '../repos/settings.ts';
import { secretMatches } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import { createKey, revokeKey } from './projects.ts';

export interface ToolKey {
  projectId: string;
  appKeyID: string;
  appKeySecret: string;
}

/** The tools that hold a key, each one key per project. */
export type Tool = 'demo' | 'chat';

const settingOf = (tool: Tool, projectId: string) => `app_key:${tool}:${projectId}`;

/** The kept key, if its secret still opens, it is still an app key of the project, unrevoked, and the secret is its own. */
async function keptKey(deps: Deps, projectId: string, stored: string | undefined): Promise<ToolKey | undefined> {
  if (stored === undefined) return undefined;
  let kept: { id?: unknown; sealed?: unknown };
  try {
    kept = JSON.parse(stored) as typeof kept;
  } catch {
    return undefined;
  }
  if (typeof kept.id !== 'string' || typeof kept.sealed !== 'string') return undefined;
  const secret = deps.webhooks.box.open(kept.sealed);
  const key = await findKeyForAuth(deps.db, kept.id, 'app');
  if (secret === undefined || key === undefined || key.revoked || key.projectId !== projectId || !secretMatches(secret, key.secretHash)) return undefined;
  return { projectId, appKeyID: kept.id, appKeySecret: secret };
}

/** The tool's app key in the project: the kept one, or a new one kept from now on (created once however many nodes ask at once). */
export async function toolAppKey(deps: Deps, tool: Tool, projectId: string): Promise<ToolKey> {
  const name = settingOf(tool, projectId);
  for (let attempt = 0; ; attempt++) {
    const stored = await findSetting(deps.db, name);
    const kept = await keptKey(deps, projectId, stored);
    if (kept !== undefined) return kept;
    const created = await createKey(deps, projectId, 'app');
    if (created.type === 'api') throw new Error('createKey returned an API key for type app');
    const value = JSON.stringify({ id: created.id, sealed: deps.webhooks.box.seal(created.secret) });
    if (await replaceSetting(deps.db, name, stored, value)) {
      deps.logger.info({ keyId: created.id, tool }, 'app key created for a tool of Parley');
      return { projectId, appKeyID: created.id, appKeySecret: created.secret };
    }
    // Another process kept its key first: that one is the key, and this one is retired at once.
    await revokeKey(deps, created.id);
    if (attempt >= 3) throw new Error(`could not keep an app key for ${tool}`);
  }
}
