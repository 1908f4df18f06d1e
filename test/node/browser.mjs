// analytics.js in a browser, as on a website (test/t/008_browser.pl): a
// test page, served here from an origin of its own, loads the browser
// bundle of @segment/analytics-next with its settings inline (so nothing
// is fetched from Segment's CDN) and identifies, tracks, pages and groups
// one person, sending to cdp's HTTP server, another origin (so CORS is
// at work).  Debian's Chromium runs the page headless, driven by
// playwright-core.  Prints one JSON line: the messageIds analytics.js
// gave the events, its anonymousId, and every console error, page error
// and failed request (none expected).
//
//   node browser.mjs CDP_URL WRITE_KEY USER_ID
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [cdpUrl, writeKey, userId] = process.argv.slice(2);
const bundleDir = path.join(path.dirname(fileURLToPath(import.meta.url)),
                            'node_modules/@segment/analytics-next/dist/umd');
const cdp = new URL(cdpUrl);

// The page: the snippet a site would use, with the settings Segment's CDN
// would serve given inline: only the Segment.io destination, pointed at
// cdp.  Event times are pinned, so the test gives the same result any day.
function page() {
  const settings = {
    integrations: { 'Segment.io': { apiKey: writeKey, apiHost: `${cdp.host}/v1`,
                                    protocol: cdp.protocol.replace(':', '') } },
    metrics: { sampleRate: 0 },
  };
  return `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>shop</title></head>
<body><script src="/analytics/index.js"></script><script>
const analytics = AnalyticsNext.AnalyticsBrowser.load({ writeKey: ${JSON.stringify(writeKey)},
  cdnSettings: ${JSON.stringify(settings)} });
const at = { timestamp: new Date('2026-11-01T00:00:00Z') };
const user = ${JSON.stringify(userId)};
(async () => {
  const sent = [];
  sent.push(await analytics.identify(user, { email: user + '@example.com', plan: 'pro' }, at));
  sent.push(await analytics.track('Product Viewed', { sku: 'A-1', price: 12.5 }, at));
  sent.push(await analytics.page('Shop', 'Home', { path: '/' }, at));
  sent.push(await analytics.group(user + '-company', { name: 'Acme' }, at));
  const [a] = await analytics;
  window.result = { messageIds: sent.map((ctx) => ctx.event.messageId),
                    anonymousId: a.user().anonymousId(),
                    delivered: sent.map((ctx) => ctx.failedDelivery() ? 'failed' : 'ok') };
})().catch((err) => { window.result = { error: String(err) }; });
</script></body></html>`;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page());
    return;
  }
  const file = path.join(bundleDir, path.basename(url.pathname));
  if (url.pathname.startsWith('/analytics/') && file.endsWith('.js') && fs.existsSync(file)) {
    res.writeHead(200, { 'Content-Type': 'text/javascript' });
    fs.createReadStream(file).pipe(res);
    return;
  }
  res.writeHead(404);
  res.end();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const problems = [];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
                                        args: ['--no-sandbox'] });
let result;
try {
  const tab = await browser.newPage();
  tab.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  tab.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  tab.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 60000 });
  result = await tab.evaluate(() => window.result);
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify({ ...result, problems }));
