/**
 * The floor for `npm run bench:register` (test/bench/register-floor.ts): a bare `node:http` server
 * that answers `POST /entries` as the service does on the wire and does nothing else — it reads the
 * body and replies 201 with a `Location` and a receipt-sized `application/cose` body. No framework,
 * no verification, no log. What it costs per request is what any Node service pays on this machine
 * for the same requests from the same client, at the same rate.
 *
 * Run: `node dist/test/bench/floor.server.js <port> <reply bytes>`; `GET /health` answers 200 once it
 * listens (as the service's does, so the bench waits for both alike: register.load.ts `untilHealthy`).
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const reply = Buffer.alloc(Number(process.argv[3] ?? 700), 0xa5);
let n = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200).end();
    return;
  }
  if (req.method !== 'POST' || req.url !== '/entries') {
    res.writeHead(404).end();
    return;
  }
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    res.writeHead(bytes > 0 ? 201 : 400, { 'content-type': 'application/cose', location: `/entries/${(n++).toString(16).padStart(64, '0')}`, 'content-length': reply.length });
    res.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
