// The web console in a browser (test/t/010_console.pl): Debian's Chromium,
// headless, driven by playwright-core, signs in through the link with a
// read token, opens every page (a screenshot of each goes to SHOT_DIR),
// finds a profile by an identifier, accepts one pair of the review queue
// and rejects another, looks at the accepted pair's identity graph, signs
// out; then signs in with a token whose role was not granted its purpose
// and counts the profiles it sees.  Prints one JSON line; every console
// error, page error and failed request is in "problems" (none expected).
//
//   node console.mjs CDP_URL TOKEN NO_PURPOSE_TOKEN IDENTIFIER SHOT_DIR
import path from 'node:path';
import { chromium } from 'playwright-core';

const [cdpUrl, token, noPurposeToken, identifier, shotDir] = process.argv.slice(2);
const problems = [];
const urls = [];
const out = { statuses: {} };

function watch(tab) {
  tab.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  tab.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  // A request cut short because the test moved on (the icon, typically) is no failure.
  tab.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  tab.on('request', (r) => urls.push(r.url()));
}

async function visit(tab, name, url) {
  const response = await tab.goto(url);
  out.statuses[name] = response.status();
  await tab.screenshot({ path: path.join(shotDir, `${name}.png`), fullPage: true });
}

// The rows of the first table of the page's main part.
const tableRows = (tab) => tab.locator('main table').first().locator('tbody tr').count();

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
                                        args: ['--no-sandbox'] });
try {
  const tab = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  watch(tab);
  await tab.goto(`${cdpUrl}/console/login?token=${token}`);
  out.signedInAt = new URL(tab.url()).pathname;
  for (const [name, p] of [['overview', '/'], ['sources', '/sources'], ['profiles', '/profiles'],
                           ['segments', '/segments'], ['review', '/review'], ['destinations', '/destinations']])
    await visit(tab, name, `${cdpUrl}/console${p}`);

  // A profile found by an identifier (posted), and a segment.
  await tab.goto(`${cdpUrl}/console/profiles`);
  await tab.fill('input[name=identifier]', identifier);
  const [found] = await Promise.all([tab.waitForNavigation(), tab.click('form[action="/console/profiles"] button')]);
  out.foundAt = new URL(tab.url()).pathname;
  out.statuses.profile = found.status();
  await tab.screenshot({ path: path.join(shotDir, 'profile.png'), fullPage: true });
  out.profileIdentifiers = await tab.locator('svg.graph circle').count();
  await tab.goto(`${cdpUrl}/console/segments`);
  const [segment] = await Promise.all([tab.waitForNavigation(), tab.locator('main table a').first().click()]);
  out.statuses.segment = segment.status();
  await tab.screenshot({ path: path.join(shotDir, 'segment.png'), fullPage: true });

  // The review queue: the first pair accepted, the next rejected.
  const decide = async (button, shot) => {
    await tab.goto(`${cdpUrl}/console/review`);
    await Promise.all([tab.waitForNavigation(), tab.locator('main table').first().locator('a').first().click()]);
    const pair = Number(new URL(tab.url()).pathname.split('/').pop());
    const left = await tab.locator('.pair h2 a').first().getAttribute('href');
    if (shot) await tab.screenshot({ path: path.join(shotDir, 'review-pair.png'), fullPage: true });
    await Promise.all([tab.waitForNavigation(), tab.getByRole('button', { name: button }).click()]);
    return { pair, left, after: await tab.locator('main p.empty').last().innerText() };
  };
  out.accepted = await decide(/^Accept/, true);
  out.rejected = await decide(/^Reject/, false);
  await tab.goto(`${cdpUrl}${out.accepted.left}`);
  out.matchLinks = await tab.locator('svg.graph line.match').count();
  out.matchLinkTitle = out.matchLinks > 0 ? await tab.locator('svg.graph line.match title').first().textContent() : '';

  await Promise.all([tab.waitForNavigation(), tab.getByRole('button', { name: 'Sign out' }).click()]);
  out.signedOutAt = new URL(tab.url()).pathname;
  const again = await tab.goto(`${cdpUrl}/console/profiles`);
  out.afterSignOut = new URL(again.url()).pathname;

  // A role without its purpose: no personal rows.
  const other = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  watch(other);
  await other.goto(`${cdpUrl}/console/login?token=${noPurposeToken}`);
  await visit(other, 'profiles-without-purpose', `${cdpUrl}/console/profiles`);
  out.noPurposeRows = await tableRows(other);
  out.noPurposeText = await other.locator('main').innerText();
} finally {
  await browser.close();
}
out.tokenInLaterUrls = urls.filter((u) => u.includes(token) || u.includes(noPurposeToken)).length;
out.identifierInUrls = urls.filter((u) => u.includes(encodeURIComponent(identifier)) || u.includes(identifier)).length;
console.log(JSON.stringify({ ...out, problems }));
