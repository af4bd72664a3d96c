// The demo page's files, built at install time into dist/demo/public/ (src/demo/build.ts), never
// committed. They may be missing (installed without dev dependencies): callers then say so.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/demo/public/ of this checkout, from src/api/demo/ (tsx) and dist/api/demo/ (compiled) alike. */
export const DEMO_ASSETS_DIR = fileURLToPath(new URL('../../../dist/demo/public/', import.meta.url));

export type DemoAssetName = 'index.html' | 'page.js' | 'livechat.js' | 'sdk.js';

export const ASSET_TYPES: Record<DemoAssetName, string> = {
  'index.html': 'text/html; charset=utf-8',
  'page.js': 'text/javascript; charset=utf-8',
  'livechat.js': 'text/javascript; charset=utf-8',
  'sdk.js': 'text/javascript; charset=utf-8',
};

export const NOT_BUILT =
  'The demo page is not built. It is bundled from the @taptalk.io/web-sdk package when Parley is installed ' +
  'with its development dependencies: run `npm install` (or `npm run build`) in the Parley directory, then reload this page.';

export interface DemoAssets {
  /** The file's text, or undefined when it was not built. */
  read(name: DemoAssetName): Promise<string | undefined>;
}

export function demoAssets(dir: string): DemoAssets {
  // Found files are kept for the life of the app; a missing one is looked for again next time.
  const found = new Map<DemoAssetName, string>();
  return {
    async read(name) {
      const hit = found.get(name);
      if (hit !== undefined) return hit;
      try {
        const text = await readFile(join(dir, name), 'utf8');
        found.set(name, text);
        return text;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
  };
}
