// Builds the /demo and /inbox pages at install time (`npm run build`, which `prepare` runs on `npm install` and
// `npm ci`): TapTalk's web SDK, as installed in node_modules, bundled for the browser with esbuild,
// next to the page's own files, into dist/demo/public/ (gitignored: never committed). Installed
// without the dev dependencies (no esbuild, no SDK) it skips with a note, and /demo says so.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Message } from 'esbuild';

// src/demo/ and dist/demo/ both sit two levels below the checkout.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE = join(ROOT, 'src', 'demo');
const OUT = join(ROOT, 'dist', 'demo', 'public');
const INBOX_SOURCE = join(ROOT, 'src', 'inbox');
const INBOX_OUT = join(ROOT, 'dist', 'inbox', 'public');
const SDK = '@taptalk.io/web-sdk';

type Esbuild = typeof import('esbuild');

async function loadEsbuild(): Promise<Esbuild | undefined> {
  try {
    return await import('esbuild');
  } catch {
    return undefined;
  }
}

/** The SDK's package.json path, or undefined when it is not installed. */
function findSdk(): string | undefined {
  try {
    return createRequire(join(ROOT, 'package.json')).resolve(`${SDK}/package.json`);
  } catch {
    return undefined;
  }
}

async function failOnProblems(esbuild: Esbuild, what: string, result: { errors?: Message[]; warnings: Message[] }) {
  const problems = [
    ...(await esbuild.formatMessages(result.errors ?? [], { kind: 'error' })),
    ...(await esbuild.formatMessages(result.warnings, { kind: 'warning' })),
  ];
  if (problems.length > 0) throw new Error(`esbuild reported problems with ${what}:\n${problems.join('\n')}`);
}

/**
 * A page's files next to the SDK bundle. Its script is served as written (comments and all, for whoever
 * reads the source); esbuild parses it first, so a syntax error fails the build here, not in a browser.
 */
async function writePage(esbuild: Esbuild, source: string, out: string, sdk: Uint8Array, scripts: readonly string[]): Promise<void> {
  for (const file of scripts) {
    const script = await readFile(join(source, file), 'utf8');
    const name = `src/${source.split(/[\\/]/).at(-1)}/${file}`;
    await failOnProblems(esbuild, name, await esbuild.transform(script, { loader: 'js', sourcefile: name, logLevel: 'silent' }));
    await writeFile(join(out, file), script);
  }
  await writeFile(join(out, 'sdk.js'), sdk);
  await writeFile(join(out, 'index.html'), await readFile(join(source, 'page.html')));
}

async function main(): Promise<void> {
  const esbuild = await loadEsbuild();
  const sdkPackage = findSdk();
  if (esbuild === undefined || sdkPackage === undefined) {
    const missing = esbuild === undefined ? 'esbuild' : SDK;
    console.warn(`parley: demo and inbox pages not built (${missing} is not installed; it is a dev dependency). /demo and /inbox will say so.`);
    return;
  }
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });

  // The SDK is CommonJS that only runs in a browser: one IIFE that sets window.TapTalkSDK.
  const { version } = JSON.parse(await readFile(sdkPackage, 'utf8')) as { version: string };
  const license = await readFile(join(dirname(sdkPackage), 'LICENSE'), 'utf8');
  const sdk = await esbuild.build({
    stdin: { contents: `window.TapTalkSDK = require('${SDK}');`, resolveDir: ROOT, sourcefile: 'demo-sdk-entry.js', loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    banner: { js: `/*! ${SDK} ${version}, bundled by Parley for its /demo page.\n${license.replaceAll('*/', '* /')}*/` },
  });
  await failOnProblems(esbuild, SDK, sdk);
  const bundle = sdk.outputFiles[0];
  if (sdk.outputFiles.length !== 1 || bundle === undefined) throw new Error(`esbuild produced ${sdk.outputFiles.length} files for ${SDK}, expected 1`);
  // The demo's two tabs: Chat (page.js) and Live Chat (livechat.js).
  await writePage(esbuild, SOURCE, OUT, bundle.contents, ['page.js', 'livechat.js']);
  // The agents' inbox (/inbox) uses the same SDK bundle for its chat socket.
  await rm(INBOX_OUT, { recursive: true, force: true });
  await mkdir(INBOX_OUT, { recursive: true });
  await writePage(esbuild, INBOX_SOURCE, INBOX_OUT, bundle.contents, ['page.js']);
  console.log(
    `parley: demo and inbox pages built into dist/demo/public/ and dist/inbox/public/ (${SDK} ${version}, ${Math.round(bundle.contents.length / 1024)} KB)`,
  );
}

await main();
