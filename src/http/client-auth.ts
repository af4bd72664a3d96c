// The one authentication of a client call, for the REST realms, the socket upgrade and the
// `/connect?check=1` fast path: the app's key (PowerTalk's App-Key, or OneTalk Live Chat's
// Secret-Key), then, where the call needs one, the access token.
import type { Deps } from '../deps.ts';
import { type KeyAuth, authenticateAppSecret, authenticateKey } from '../services/key-auth.ts';
import { type AccessAuth, authenticateAccess, cachedAccess } from '../services/sessions.ts';
import type { SessionKind } from '../storage/schema.ts';
import { connectionKey } from './connection-key.ts';
import { appSecretFromHeader, bearerToken, keyFromHeader, parseBearer } from './credential-headers.ts';

/** A client realm: the kind of its sessions and the header its key travels in. */
export interface ClientRealm {
  kind: SessionKind;
  /** `app-key`: `App-Key: base64(id:secret)`. `secret-key`: `Secret-Key`, the app key's secret alone. */
  keyHeader: 'app-key' | 'secret-key';
}

export const POWERTALK_CLIENTS: ClientRealm = { kind: 'powertalk', keyHeader: 'app-key' };
export const LIVECHAT_VISITORS: ClientRealm = { kind: 'onetalk', keyHeader: 'secret-key' };

/** The credential values a call presents, as received (headers, or the socket URL's query). */
export interface ClientCredentials {
  key: unknown;
  authorization: unknown;
}

export interface ClientAuth {
  key: KeyAuth;
  session: AccessAuth | null;
}

/** Checks the key, and the access token when `session` is 'required'; throws the documented codes. */
export async function authenticateClient(deps: Deps, realm: ClientRealm, presented: ClientCredentials, session: 'required' | 'none'): Promise<ClientAuth> {
  const key =
    realm.keyHeader === 'app-key'
      ? await authenticateKey(deps, 'app', keyFromHeader('app', presented.key))
      : await authenticateAppSecret(deps, appSecretFromHeader(presented.key));
  if (session === 'none') return { key, session: null };
  return { key, session: await authenticateAccess(deps, realm.kind, key.projectId, bearerToken(presented.authorization)) };
}

/**
 * authenticateClient with a session, without waiting (PowerTalk's App-Key only): the answer when the
 * key and the session are cached and check out; undefined in every other case, which takes the full path.
 */
export function cachedClientAuth(deps: Deps, presented: ClientCredentials, connection: object): ClientAuth | undefined {
  const key = connectionKey(deps, 'app', presented.key, connection);
  const session = key === undefined ? undefined : cachedAccess(deps, 'powertalk', key.projectId, parseBearer(presented.authorization));
  return key === undefined || session === undefined ? undefined : { key, session };
}
