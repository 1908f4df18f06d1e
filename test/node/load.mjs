// HTTP load generator for test/bench/http.sh: CLIENTS concurrent
// keep-alive clients POST batches of BATCH track events to URL/v1/batch
// for SECONDS, each waiting for its answer before sending the next.
// Prints one JSON line: requests, events, errors, seconds, latency p50
// and p99 in ms.  Only for 127.0.0.1: it stops by itself.
//
//   node load.mjs URL WRITE_KEY CLIENTS BATCH SECONDS RUN
import http from 'node:http';

const [url, writeKey, clients, batch, seconds, run] = process.argv.slice(2);
const target = new URL('/v1/batch', url);
if (target.hostname !== '127.0.0.1') throw new Error('load tests target 127.0.0.1 only');
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(clients) });
const auth = 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
const until = Date.now() + Number(seconds) * 1000;
const latencies = [];
let sent = 0;
let errors = 0;

function body(client, n) {
  const events = [];
  for (let i = 0; i < Number(batch); i++) {
    events.push({ type: 'track', event: 'Product Viewed', userId: `u${(client * 7919 + n * 31 + i) % 200000}`,
                  messageId: `${run}-${client}-${n}-${i}`, timestamp: '2026-11-20T00:00:00Z',
                  properties: { sku: `sku-${i}`, price: 10 + i } });
  }
  return JSON.stringify({ batch: events });
}

function post(data) {
  return new Promise((resolve) => {
    const req = http.request(target, { method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', Authorization: auth,
                 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end(data);
  });
}

async function client(c) {
  for (let n = 0; Date.now() < until; n++) {
    const data = body(c, n);
    const start = process.hrtime.bigint();
    const status = await post(data);
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (status === 200) sent++; else errors++;
  }
}

const began = Date.now();
await Promise.all(Array.from({ length: Number(clients) }, (_, c) => client(c)));
const elapsed = (Date.now() - began) / 1000;
latencies.sort((a, b) => a - b);
const q = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null;
console.log(JSON.stringify({ requests: sent, events: sent * Number(batch), errors, seconds: elapsed,
                             p50_ms: q(0.5), p99_ms: q(0.99) }));
agent.destroy();
