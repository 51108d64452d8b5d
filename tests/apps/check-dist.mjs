#!/usr/bin/env node
// Loads built test apps in headless Chromium and checks that each one works:
// its page sets #status (and document.title) to "ok" once the lazy chunk ran,
// the worker answered, the photo loaded and the CSS font loaded.
//
//   node tests/apps/check-dist.mjs DIST...   (e.g. target/apps/vite/dist)
//
// Each DIST is served on 127.0.0.1 (a free port) by a small static server of
// this script, as the site root. Prints one line per app: "ok NAME" or
// "FAIL NAME: status, failed requests, console errors". Exit status 0 when all
// are ok, 1 when any is not, 2 on a usage or setup error.
//
// playwright-core comes from $ASSETPRESS_NODE_TOOLS (default
// /var/cache/assetpress/target/node-tools, installed by scripts/test); the
// browser is $CHROMIUM (default /usr/bin/chromium).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const TOOLS = process.env.ASSETPRESS_NODE_TOOLS || '/var/cache/assetpress/target/node-tools';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.map': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.webp': 'image/webp', '.avif': 'image/avif', '.svg': 'image/svg+xml', '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

function serve(root) {
  const server = http.createServer((req, res) => {
    let rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      // No app has a favicon; the browser asks anyway.
      res.writeHead(rel === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function check(browser, dist) {
  const name = path.basename(path.dirname(dist));
  const server = await serve(dist);
  const url = `http://127.0.0.1:${server.address().port}/`;
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  let status = 'not loaded';
  try {
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'loading',
      null, { timeout: 20000 });
  } catch (err) {
    problems.push(err.message.split('\n')[0]);
  }
  status = await page.evaluate(() => ['status', 'lazy', 'worker', 'font']
    .map((id) => `${id}=${document.getElementById(id)?.textContent}`).join(' ')).catch(() => status);
  await page.close();
  server.close();
  const ok = status.startsWith('status=ok ') && !problems.length;
  console.log(ok ? `ok ${name} (${status})` : `FAIL ${name}: ${[status, ...problems].join('; ')}`);
  return ok;
}

const dists = process.argv.slice(2).map((d) => path.resolve(d));
if (!dists.length) {
  console.error('usage: node tests/apps/check-dist.mjs DIST...');
  process.exit(2);
}
let chromium;
try {
  ({ chromium } = createRequire(path.join(TOOLS, 'package.json'))('playwright-core'));
} catch {
  console.error(`check-dist: playwright-core not found under ${TOOLS} (scripts/test installs it)`);
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let allOk = true;
for (const dist of dists) allOk = (await check(browser, dist)) && allOk;
await browser.close();
process.exit(allOk ? 0 : 1);
