#!/usr/bin/env node
// Opens an assetpress HTML build report in headless Chromium and reports what happened, for the
// Rust e2e test that judges it (this script judges nothing).
//
//   node report.mjs SPEC.json
//
// SPEC.json:
//   {"chromium": "/usr/bin/chromium", "url": "file:///abs/report.html" | "http://127.0.0.1:PORT/r.html",
//    "shot": "/abs/shot.png", "shotAt": "#treemap", "search": "app.js", "viewport": [1280, 900]}
//
// The report is loaded in a browser of its own (a fresh, temporary --user-data-dir) with every
// request recorded and every request other than the report itself aborted. After the load the
// script waits for the report's script to finish its first drawing (<html data-ready>), then:
//   1. counts the treemap's file rectangles (#tm .f) and folders (#tm .d);
//   2. takes a screenshot of the viewport (SPEC.shot; scrolled to the element SPEC.shotAt, when
//      given) and measures it: how many distinct colours
//      (after quantising each channel to 32 levels) and the share of the most common one;
//   3. types SPEC.search into the search box and reads the results list;
//      presses Enter (the first result is revealed in the treemap), hovers its rectangle and
//      reads the tooltip; reads the breadcrumbs' total with the treemap sized by brotli, then raw;
//   4. clicks the first folder of the treemap whose label is visible and reads the breadcrumbs and
//      the number of files drawn after the zoom;
//   5. with the keyboard only: Tab from the search box into the treemap, arrows to a folder,
//      Enter (zooms in), Escape (zooms out), reading the breadcrumbs each time;
//   6. reads the time to first contentful paint and the time the script was done.
//
// Output (stdout): one JSON object:
//   {"requests": [URL...], "console": [TEXT...], "files": N, "folders": N, "rest": N (blocks of
//    "N smaller files"), "folderPaths": [PATH...],
//    "shot": {"colours": N, "dominant": 0.93}, "results": [TEXT...], "zoomed": {"folder": PATH,
//    "crumbs": TEXT, "files": N}, "keyboard": {"folder": PATH, "before": TEXT, "entered": TEXT,
//    "focusKept": BOOL, "after": TEXT}, "tip": TEXT, "totals": {"br": TEXT, "raw": TEXT}, "fcp": MS, "ready": MS, "error": null | TEXT}
// Exit status: 0 the script ran; 2 usage or setup error.
//
// playwright-core is loaded from $ASSETPRESS_NODE_TOOLS (see check.mjs).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

const TOOLS_DIR = process.env.ASSETPRESS_NODE_TOOLS || '/var/cache/assetpress/target/node-tools';
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT_MS = 60000;

function fail(msg) {
  process.stderr.write(`report.mjs: ${msg}\n`);
  process.exit(2);
}

let playwright;
try {
  playwright = createRequire(path.join(TOOLS_DIR, 'noop.js'))('playwright-core');
} catch (e) {
  fail(`playwright-core is not installed under ${TOOLS_DIR} (${e.code || e.message}); run scripts/test`);
}
let spec;
try {
  spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
} catch (e) {
  fail(`cannot read spec ${process.argv[2]}: ${e.message}`);
}
for (const key of ['chromium', 'url', 'shot']) {
  if (typeof spec[key] !== 'string' || !spec[key]) fail(`spec.${key} must be a string`);
}

// Colours of a PNG screenshot (8-bit RGBA or RGB, not interlaced, as Chromium writes them).
function measurePng(file) {
  const buf = fs.readFileSync(file);
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const depth = buf[24];
  const type = buf[25];
  if (depth !== 8 || (type !== 6 && type !== 2)) return { colours: -1, dominant: 1 };
  const bpp = type === 6 ? 4 : 3;
  const chunks = [];
  for (let o = 8; o < buf.length;) {
    const len = buf.readUInt32BE(o);
    const kind = buf.toString('ascii', o + 4, o + 8);
    if (kind === 'IDAT') chunks.push(buf.subarray(o + 8, o + 8 + len));
    o += len + 12;
  }
  const raw = zlib.inflateSync(Buffer.concat(chunks));
  const stride = width * bpp;
  const prev = Buffer.alloc(stride);
  const line = Buffer.alloc(stride);
  const counts = new Map();
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? line[x - bpp] : 0;
      const b = prev[x];
      const c = x >= bpp ? prev[x - bpp] : 0;
      let v = src[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[x] = v & 255;
    }
    for (let x = 0; x < stride; x += bpp) {
      const key = ((line[x] >> 3) << 10) | ((line[x + 1] >> 3) << 5) | (line[x + 2] >> 3);
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    line.copy(prev);
  }
  const max = Math.max(...counts.values());
  return { colours: counts.size, dominant: max / (width * height) };
}

const out = { requests: [], console: [], files: 0, folders: 0, folderPaths: [], shot: null, results: [],
  zoomed: null, keyboard: null, tip: null, totals: null, fcp: null, ready: null, error: null };
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assetpress-report-'));
let context;
try {
  const [vw, vh] = spec.viewport || [1280, 900];
  context = await playwright.chromium.launchPersistentContext(userDataDir, {
    executablePath: spec.chromium,
    headless: true,
    args: LAUNCH_ARGS,
    viewport: { width: vw, height: vh },
    deviceScaleFactor: 1,
    timeout: TIMEOUT_MS,
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  await context.route('**/*', (route) => {
    const u = route.request().url();
    out.requests.push(u);
    if (u === spec.url) return route.continue().catch(() => {});
    return route.abort('blockedbyclient').catch(() => {});
  });
  context.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') out.console.push(`${msg.type()}: ${msg.text()}`);
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => out.console.push(`Uncaught ${e.name || 'Error'}: ${e.message}`));
  await page.goto(spec.url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.documentElement.dataset.ready !== undefined);
  Object.assign(out, await page.evaluate(() => ({
    files: document.querySelectorAll('#tm .f').length,
    folders: document.querySelectorAll('#tm .d').length,
    rest: document.querySelectorAll('#tm .rest').length,
    folderPaths: [...document.querySelectorAll('#tm .d')].map((d) => d.dataset.p),
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    ready: Number(document.documentElement.dataset.ready),
  })));
  if (spec.shotAt) await page.$eval(spec.shotAt, (el) => el.scrollIntoView());
  await page.waitForTimeout(200);
  await page.screenshot({ path: spec.shot });
  out.shot = measurePng(spec.shot);

  if (spec.search) {
    await page.fill('#search', spec.search);
    await page.waitForFunction(() => !document.querySelector('#results').hidden);
    await page.waitForTimeout(100);
    out.results = await page.$$eval('#results .row', (rows) => rows.map((r) => r.textContent));
  }
  // Enter reveals the first result: hovering its rectangle shows its tooltip.
  if (out.results.length) {
    await page.press('#search', 'Enter');
    const hit = page.locator('#tm .f.hit').first();
    // (Not drawn when it is one of a block of "N smaller files".)
    if (await hit.count()) {
      await hit.scrollIntoViewIfNeeded();
      await hit.hover();
      await page.waitForFunction(() => !document.querySelector('#tip').hidden);
      out.tip = await page.$eval('#tip', (t) => t.textContent);
    }
  }
  await page.fill('#search', '');
  await page.waitForTimeout(100);
  // The size the treemap is drawn by, as the breadcrumbs total it: brotli, then raw.
  await page.click('.crumbs button');
  out.totals = { br: await page.$eval('.crumbs', (c) => c.textContent) };
  await page.selectOption('#tm-measure', 'raw');
  out.totals.raw = await page.$eval('.crumbs', (c) => c.textContent);
  await page.selectOption('#tm-measure', 'br');
  const folder = await page.$$eval('#tm .d', (ds) => {
    const d = ds.find((x) => x.querySelector('.dl') && x.dataset.p);
    return d ? d.dataset.p : null;
  });
  if (folder !== null) {
    const el = page.locator(`#tm .d[data-p="${folder}"] .dl`).first();
    await el.scrollIntoViewIfNeeded();
    const box = await page.locator(`#tm .d[data-p="${folder}"]`).first().boundingBox();
    // The folder's label strip: the folder itself is under its files elsewhere.
    await page.mouse.click(box.x + 6, box.y + 6);
    await el.waitFor({ state: 'detached' }).catch(() => {});
    out.zoomed = await page.evaluate((f) => ({
      folder: f,
      crumbs: document.querySelector('.crumbs').textContent,
      files: document.querySelectorAll('#tm .f').length,
    }), folder);
  }
  // Keyboard only: Tab from the search box reaches the treemap; arrows move to a folder, Enter
  // zooms into it, Escape zooms out again.
  const crumbs = () => page.$eval('.crumbs', (c) => c.textContent);
  await page.click('.crumbs button');
  const before = await crumbs();
  await page.focus('#search');
  await page.keyboard.press('Tab');
  const onFolder = () => page.evaluate(() => document.activeElement.classList.contains('d'));
  const inTreemap = await page.evaluate(() => document.querySelector('#tm').contains(document.activeElement));
  for (let k = 0; inTreemap && k < 50 && !await onFolder(); k++) await page.keyboard.press('ArrowRight');
  if (inTreemap && await onFolder()) {
    const folder = await page.evaluate(() => document.activeElement.dataset.p);
    await page.keyboard.press('Enter');
    const entered = await crumbs();
    const focusKept = await page.evaluate(() => document.querySelector('#tm').contains(document.activeElement));
    await page.keyboard.press('Escape');
    out.keyboard = { folder, before, entered, focusKept, after: await crumbs() };
  } else {
    out.keyboard = { inTreemap, folder: null };
  }
} catch (e) {
  out.error = String(e.stack || e);
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(out) + '\n');
