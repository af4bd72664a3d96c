// Debian's nginx in front of Parley nodes, for the deployment test: a self-signed certificate, the
// shipped site file (deploy/nginx.conf) rendered for throw-away ports, and an nginx run as a child
// process with its own prefix, logs and temp directories, so it never touches (or depends on) a system
// nginx that the Debian package may have started on port 80.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const NGINX_PATH = '/usr/sbin/nginx';
const SITE_FILE = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));
const run = promisify(execFile);

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Whether nginx is installed: under CI a missing nginx is a failure (throws), elsewhere a loud skip. */
export function nginxAvailable(): boolean {
  if (existsSync(NGINX_PATH)) return true;
  const message = `${NGINX_PATH} not found: the deployment test needs Debian's nginx (apt-get install -y nginx).`;
  if (isCi()) throw new Error(`${message} CI is set, so this is a failure, not a skip.`);
  console.warn(`\n!!!!!!!!!!\n!!! SKIPPING THE NGINX TEST: ${message}\n!!!!!!!!!!\n`);
  return false;
}

/** Whether this machine can use the IPv6 loopback address. */
export function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port free on 127.0.0.1 (and ::1 when `ipv6`) at the time of asking, and none of `taken`: a port
 * closed after asking can be handed out again by the next ask (nginx then refuses two servers, one
 * of them TLS, on one port).
 */
export async function freePort(ipv6: boolean, taken: readonly number[] = []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    if (taken.includes(port)) continue;
    if (!ipv6) return port;
    const alsoFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '::1', () => server.close(() => resolve(true)));
    });
    if (alsoFree) return port;
  }
}

export interface SiteValues {
  httpPort: number;
  httpsPort: number;
  certificate: string;
  key: string;
  nodePorts: readonly [number, number];
  /** Listen on ::1 as well as 127.0.0.1; without it the IPv6 listen lines are left out. */
  ipv6: boolean;
}

/**
 * deploy/nginx.conf with the values it marks "[test]" replaced: each original text must be found
 * exactly as often as the shipped file has it, so a change to the file that the test would not
 * exercise fails here instead of drifting.
 */
export function renderSite(v: SiteValues): string {
  let text = readFileSync(SITE_FILE, 'utf8');
  const replace = (from: string, to: string, times = 1) => {
    const found = text.split(from).length - 1;
    if (found !== times) throw new Error(`deploy/nginx.conf: expected ${times} × ${JSON.stringify(from)}, found ${found}`);
    text = text.split(from).join(to);
  };
  const v6 = (line: string) => (v.ipv6 ? line : `# (no IPv6 here) ${line}`);
  replace('server 127.0.0.1:8081 ', `server 127.0.0.1:${v.nodePorts[0]} `);
  replace('server 127.0.0.1:8082 ', `server 127.0.0.1:${v.nodePorts[1]} `);
  replace('listen 80;', `listen 127.0.0.1:${v.httpPort};`);
  replace('listen [::]:80;', v6(`listen [::1]:${v.httpPort};`));
  replace('listen 443 ssl http2;', `listen 127.0.0.1:${v.httpsPort} ssl http2;`);
  replace('listen [::]:443 ssl http2;', v6(`listen [::1]:${v.httpsPort} ssl http2;`));
  replace('/etc/letsencrypt/live/chat.example.com/fullchain.pem', v.certificate);
  replace('/etc/letsencrypt/live/chat.example.com/privkey.pem', v.key);
  const left = text.split('\n').filter((line) => line.includes('[test]') && /\b(80|443|8081|8082)\b|letsencrypt/.test(line));
  if (left.length > 0) throw new Error(`deploy/nginx.conf: marked values the test did not replace:\n${left.join('\n')}`);
  return text;
}

export interface Nginx {
  /** The PEM of the self-signed certificate (SAN localhost, 127.0.0.1, ::1), for clients to trust. */
  certificate: string;
  /** nginx's error log so far. */
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Generates a self-signed certificate, renders the site file and runs nginx in the foreground under
 * a temporary prefix (`nginx -p <tmp> -c <conf> -g 'daemon off; pid …;'`); resolves once the HTTPS port
 * accepts connections. The main configuration around the site is what Debian's /etc/nginx/nginx.conf
 * provides (events, http), trimmed to logs and temp paths inside the prefix.
 */
export async function startNginx(site: Omit<SiteValues, 'certificate' | 'key'>): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-nginx-'));
  // Workers drop to an unprivileged user when nginx runs as root: they must reach their temp directories.
  chmodSync(dir, 0o755);
  const certificate = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '-keyout',
    key,
    '-out',
    certificate,
  ]);
  writeFileSync(join(dir, 'parley.conf'), renderSite({ ...site, certificate, key }));
  const errorLog = join(dir, 'error.log');
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      `error_log ${errorLog} info;`,
      'worker_processes 1;',
      'events { worker_connections 1024; }',
      'http {',
      `  access_log ${join(dir, 'access.log')};`,
      `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}`,
      `  include ${join(dir, 'parley.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-p', dir, '-e', errorLog, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`];
  const readLog = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
  try {
    await run(NGINX_PATH, ['-t', ...args]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx -t refused the rendered deploy/nginx.conf: ${(err as { stderr?: string }).stderr ?? err}`);
  }
  const child = spawn(NGINX_PATH, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    // SIGTERM, not SIGKILL: the master takes its workers down with it.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await untilAccepting(child, site.httpsPort, () => `${stderr}\n${readLog()}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { certificate: readFileSync(certificate, 'utf8'), errorLog: readLog, stop };
}

async function untilAccepting(child: ChildProcess, port: number, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not accept connections on ${port} within 10 s:\n${log()}`);
}

/** POSTs JSON over HTTPS, trusting `ca` (the test's self-signed certificate); resolves to the HTTP status and the parsed body. */
export function postJsonTls<T>(url: string, ca: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: T }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
          } catch {
            reject(new Error(`POST ${url}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 300)}`));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A plain-HTTP GET; resolves to the status and headers (the body is dropped). */
export function getPlain(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
