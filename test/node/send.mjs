// Sends identify, track, page and group events with the Segment and the
// RudderStack Node SDKs, as an application would, to cdp's HTTP server
// (test/t/006_sdks.pl).  Each event gets a messageId the test can find:
// PREFIX-<sdk>-<i>-<type>.  Exits once both SDKs have flushed, non-zero
// when either reports an error it gave up on.
//
//   node send.mjs URL WRITE_KEY PREFIX COUNT
import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';

const [url, writeKey, prefix, count] = process.argv.slice(2);
const n = Number(count ?? 1);
let failures = 0;

const segment = new Analytics({ writeKey, host: url, flushAt: 20, flushInterval: 200,
                                maxRetries: 20, httpRequestTimeout: 10000 });
segment.on('error', (err) => { failures++; console.error('segment:', err?.code ?? String(err)); });
const rudder = new RudderAnalytics(writeKey, {
  dataPlaneUrl: url, flushAt: 20, flushInterval: 200, retryCount: 20, logLevel: 'error',
  errorHandler: (err) => { failures++; console.error('rudderstack:', err?.message ?? String(err)); },
});

function send(sdk, name) {
  for (let i = 0; i < n; i++) {
    const who = `${prefix}-${name}-${i}`;
    const base = { userId: `${who}-user`, anonymousId: `${who}-anon`,
                   timestamp: new Date('2026-11-01T00:00:00Z') };
    sdk.identify({ ...base, messageId: `${who}-identify`,
                   traits: { email: `${who}@example.com`, name: `Person ${i}` } });
    sdk.track({ ...base, messageId: `${who}-track`, event: 'Order Completed',
                properties: { revenue: 10 + i } });
    sdk.page({ ...base, messageId: `${who}-page`, name: 'Home', properties: { path: '/' } });
    sdk.group({ ...base, messageId: `${who}-group`, groupId: `${who}-company`,
                traits: { name: 'Acme' } });
  }
}

send(segment, 'segment');
send(rudder, 'rudder');
await segment.closeAndFlush({ timeout: 120000 });
await rudder.flush();
console.log(failures === 0 ? 'sent' : `failures: ${failures}`);
process.exit(failures === 0 ? 0 : 1);
