// A destination for the delivery tests: an HTTP server on 127.0.0.1 that
// records every request it accepts, one JSON line each, and misbehaves on
// purpose.  Options (all optional):
//   --port N           port to listen on (default 0: any; the port is printed)
//   --log FILE         where accepted requests go (JSON lines)
//   --fail P           answer 500 to a share P of requests
//   --slow P           answer a share P after --slow-ms (default 1500) milliseconds
//   --throttle P       answer 429 with Retry-After: 1 to a share P
//   --drop P           destroy the connection mid-request for a share P
//   --refuse P         answer 400 to a share P (a permanent refusal)
//   --seed N           seed of the pseudo-random choices (default 1)
//   --secret S         check X-Cdp-Signature against S
// Each line: {"method", "path", "key" (Idempotency-Key), "signed": bool|null,
// "at": milliseconds since the epoch, "body": parsed JSON}.  Only requests answered 200 are logged, after
// the log line is written.  Stops by itself after --lifetime seconds
// (default 600), so a test that dies leaves nothing running.
import http from 'node:http';
import fs from 'node:fs';
import crypto from 'node:crypto';

const opts = { port: 0, log: null, fail: 0, slow: 0, 'slow-ms': 1500, throttle: 0, drop: 0, refuse: 0,
               seed: 1, secret: null, lifetime: 600 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opts)) { console.error(`unknown option --${k}`); process.exit(2); }
  const v = process.argv[i + 1];
  opts[k] = (k === 'log' || k === 'secret') ? v : Number(v);
}

// mulberry32: a small seeded generator, so a run can be repeated.
let state = opts.seed >>> 0;
function random() {
  state = (state + 0x6D2B79F5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const log = opts.log ? fs.openSync(opts.log, 'a') : null;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const roll = random();
    let edge = 0;
    if (roll < (edge += opts.drop)) { req.socket.destroy(); return; }
    if (roll < (edge += opts.fail)) { res.writeHead(500); res.end('failing on purpose'); return; }
    if (roll < (edge += opts.throttle)) {
      res.writeHead(429, { 'Retry-After': '1' }); res.end('slow down'); return;
    }
    if (roll < (edge += opts.refuse)) { res.writeHead(400); res.end('refused on purpose'); return; }
    const answer = () => {
      let body = null;
      try { body = JSON.parse(raw.toString('utf8')); } catch { res.writeHead(422); res.end('not JSON'); return; }
      let signed = null;
      if (opts.secret !== null) {
        const want = 'sha256=' + crypto.createHmac('sha256', opts.secret).update(raw).digest('hex');
        signed = req.headers['x-cdp-signature'] === want;
      }
      const line = JSON.stringify({ method: req.method, path: req.url, key: req.headers['idempotency-key'] ?? null,
                                    signed, at: Date.now(), body });
      if (log !== null) fs.writeSync(log, line + '\n');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    };
    if (roll < (edge += opts.slow)) setTimeout(answer, opts['slow-ms']); else answer();
  });
});
server.keepAliveTimeout = 30000;
server.listen(opts.port, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
setTimeout(() => process.exit(0), opts.lifetime * 1000).unref();
process.on('SIGTERM', () => process.exit(0));
