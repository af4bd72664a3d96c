// The webhook receiver of the chat_webhook figures, its own process on the generator CPU:
//   node --import tsx bench/webhook-receiver-server.ts <port>
// It stands for an operator's backend and does the least one could: it checks nothing, keeps each
// `webhook-id` it is sent (repeats counted apart) and answers 204. GET /stats answers the counts,
// GET /ids every distinct id, one per line, for the runner to compare with the outbox.
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const seen = new Set<string>();
let requests = 0;
let missingId = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    if (req.url === '/ids') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end([...seen].join('\n'));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ requests, unique: seen.size, missingId }));
    return;
  }
  // The body is read (to the end) and dropped.
  req.on('data', () => {});
  req.on('end', () => {
    requests++;
    const id = req.headers['webhook-id'];
    if (typeof id === 'string') seen.add(id);
    else missingId++;
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
