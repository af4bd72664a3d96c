// The baselines, run as their own process pinned to the server CPU:
//   node --import tsx bench/baseline-server.ts <http|fastify> <port> <envelope bytes> [work µs]
// Both parse the JSON body of every POST and answer an envelope as long as Parley's ticket response.
// `work µs` (node:http only): a busy wait of that long per request before answering, the floor probe of
// docs/performance.md (what a server doing that much of its own work per request measures here).
import { createServer } from 'node:http';
import Fastify from 'fastify';

const [kind, portArg, bytesArg, workArg] = process.argv.slice(2);
const port = Number(portArg);
const bytes = Number(bytesArg);
const workMs = Number(workArg ?? 0) / 1000;

function envelopeOfLength(length: number): string {
  const head = '{"status":200,"error":{"code":"","message":"","field":""},"data":{"pad":"';
  const tail = '"}}';
  return head + 'x'.repeat(Math.max(0, length - head.length - tail.length)) + tail;
}

const envelope = envelopeOfLength(bytes);

if (kind === 'http') {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (chunks.length > 0) JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (workMs > 0) for (const started = performance.now(); performance.now() - started < workMs; );
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(envelope) });
      res.end(envelope);
    });
  });
  server.listen(port, '127.0.0.1');
} else if (kind === 'fastify') {
  const app = Fastify({ logger: false });
  // Fastify's own application/json parser parses the body before the handler runs.
  app.post('/*', async (_request, reply) => {
    reply.type('application/json; charset=utf-8');
    return envelope;
  });
  await app.listen({ port, host: '127.0.0.1' });
} else {
  console.error('usage: baseline-server.ts <http|fastify> <port> <envelope bytes> [work µs]');
  process.exit(2);
}
