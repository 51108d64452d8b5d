#!/usr/bin/env node
// Loads pages of an original site and of its optimized build in headless Chromium and reports what
// happened, for the Rust integration test that compares the two (this script judges nothing).
//
//   node check.mjs SPEC.json
//
// SPEC.json:
//   {"chromium": "/usr/bin/chromium", "shots": "/abs/dir/for/screenshots",
//    "pages": [{"name": "agency/index.html", "orig": "http://127.0.0.1:41001/index.html",
//               "built": "http://127.0.0.1:41002/index.html"}]}
//
// Every page is loaded twice, once from "orig" and once from "built", each time in a browser of its own
// (a fresh, temporary --user-data-dir, so nothing is cached or shared between loads), with a 1280x800
// viewport, device scale factor 1, reduced motion and service workers blocked. Only loopback traffic is
// let through (127.0.0.1, localhost, [::1], data: and blob: URLs); every other request is aborted.
// After the load event the script waits (each wait bounded, none fatal) for the network to go idle
// (no request in flight for 500 ms), for document.fonts.ready and for every <img> in the viewport to
// be complete, lets the page settle for 300 ms, brings every animation and transition to a fixed state
// (see freezeAnimations), and takes a viewport screenshot (not the full page) with animations disabled
// and the caret hidden, saved as SHOTS/NAME.orig.png and SHOTS/NAME.built.png (NAME with every
// character outside [A-Za-z0-9._-] replaced by `_`, e.g. agency_index.html.orig.png). What a page's
// own timers change (carousels, clocks, its own URL shown on the page) still shows in the screenshots.
//
// Output (stdout): one JSON array, one entry per page, in SPEC order:
//   [{"name": "agency/index.html",
//     "orig":  {"ok": [URL...], "failed": [{"url": URL, "reason": "HTTP 404" | "net::ERR_..."}],
//               "blocked": [URL...], "console": [TEXT...], "screenshot": "/abs/path.png" | null,
//               "title": TEXT | null, "error": null | TEXT},
//     "built": {...}}]
//   ok       loopback requests that got a response with status < 400 (sorted, without duplicates)
//   failed   loopback requests that failed or got a status >= 400 (sorted, without duplicates)
//   blocked  non-loopback requests that were aborted (sorted, without duplicates)
//   console  console messages of type "error" and uncaught exceptions ("Uncaught NAME: MESSAGE"),
//            in the order they happened
//   title    document.title when the screenshot was taken (the test apps set it to "ok" once their
//            lazy chunk ran, their worker answered and their image and font loaded)
//   error    why the load itself failed (launch failure, navigation timeout, ...); the lists then hold
//            what was recorded up to that point
// Diagnostics and per-load timings go to stderr.
//
// Exit status: 0 the script ran (whatever happened to the pages); 2 usage or setup error (bad
// arguments or spec, playwright-core not installed).
//
// playwright-core (it never downloads a browser: the spec names the Chromium to run) is loaded from
// $ASSETPRESS_NODE_TOOLS (default /var/cache/assetpress/target/node-tools), installed there by
// scripts/test from tests/js-semantics/package.json and package-lock.json with `npm ci`.
// Other environment variables: ASSETPRESS_BROWSER_TIMEOUT (seconds for one page load and for each
// browser action, default 30).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const TOOLS_DIR = process.env.ASSETPRESS_NODE_TOOLS || '/var/cache/assetpress/target/node-tools';
const SIDES = ['orig', 'built'];

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1280, height: 800 };
const SETTLE_MS = 300;

function log(msg) {
  process.stderr.write(`check.mjs: ${msg}\n`);
}

function fail(msg) {
  log(msg);
  process.exit(2);
}

function timeoutSeconds() {
  const raw = process.env.ASSETPRESS_BROWSER_TIMEOUT;
  if (raw === undefined || raw === '') return 30;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) fail(`ASSETPRESS_BROWSER_TIMEOUT must be a positive number of seconds, not ${JSON.stringify(raw)}`);
  return n;
}
const TIMEOUT_MS = Math.round(timeoutSeconds() * 1000);
// The waits after the load event are bounded more tightly: a page that polls or streams may never be
// network-idle, and that is not an error.
const IDLE_MS = Math.min(TIMEOUT_MS, 10000);
const QUIET_MS = 500; // the network counts as idle after this long without a request in flight
const SETTLE_WAIT_MS = Math.min(TIMEOUT_MS, 10000);

function loadPlaywright() {
  try {
    return createRequire(path.join(TOOLS_DIR, 'noop.js'))('playwright-core');
  } catch (e) {
    const here = path.join(path.dirname(SELF), '..', 'js-semantics');
    fail(`playwright-core is not installed under ${TOOLS_DIR} (${e.code || e.message}; set ASSETPRESS_NODE_TOOLS to change the folder).\n` +
      'Run scripts/test, or install it with:\n' +
      `  mkdir -p ${TOOLS_DIR} && cp ${path.resolve(here, 'package.json')} ${path.resolve(here, 'package-lock.json')} ${TOOLS_DIR}/ && ` +
      `(cd ${TOOLS_DIR} && npm ci --silent --no-audit --no-fund)`);
  }
}

function readSpec(file) {
  let spec;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`cannot read spec ${file}: ${e.message}`);
  }
  if (!spec || typeof spec !== 'object') fail('spec must be a JSON object');
  if (typeof spec.chromium !== 'string' || !spec.chromium) fail('spec.chromium must be the path of a Chromium executable');
  try {
    fs.accessSync(spec.chromium, fs.constants.X_OK);
  } catch {
    fail(`spec.chromium ${spec.chromium} is not an executable file`);
  }
  if (typeof spec.shots !== 'string' || !spec.shots) fail('spec.shots must be a folder for the screenshots');
  if (!Array.isArray(spec.pages)) fail('spec.pages must be an array');
  for (const [i, p] of spec.pages.entries()) {
    if (!p || typeof p.name !== 'string' || SIDES.some((s) => typeof p[s] !== 'string')) {
      fail(`spec.pages[${i}] must have string fields name, orig and built`);
    }
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Which URLs may be fetched, and which are recorded.

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLoopback(url) {
  try {
    const u = new URL(url);
    return /^(https?|wss?):$/.test(u.protocol) && LOOPBACK_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

function isAllowed(url) {
  return url.startsWith('data:') || url.startsWith('blob:') || isLoopback(url);
}

// Screenshot file names: the page name made safe for a file name, made unique within the run.
function shotNamer(dir) {
  const used = new Set();
  return (name, side) => {
    const base = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'page';
    let stem = base;
    for (let n = 2; used.has(`${stem}.${side}`); n++) stem = `${base}-${n}`;
    used.add(`${stem}.${side}`);
    return path.join(dir, `${stem}.${side}.png`);
  };
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sortedUnique = (xs) => [...new Set(xs)].sort();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Brings every running animation and transition to a fixed state before the screenshot: finite ones
// to their end (finish(), the end state committed to the element's inline style, then cancel()),
// infinite ones back to their start (cancel()), as Playwright's `animations: 'disabled'` does.
// Playwright's own handling (finish() only) is not enough: in this Chromium a composited animation
// past its first iteration keeps being drawn where the compositor had it, although finish() moved it
// to its end state (seen with reveal.js's bouncing "next slide" arrow, `animation: 2s 50 bounce-right`:
// the arrow's position in the screenshot depended on when it was taken). Cancelling the animation
// removes it from the compositor. Animations on pseudo-elements cannot commit their styles and are
// only finished. Two animation frames then let the compositor draw the result.
function freezeAnimations() {
  for (const animation of document.getAnimations()) {
    const effect = animation.effect;
    if (!effect || animation.playbackRate === 0) continue;
    try {
      if (Number.isFinite(effect.getComputedTiming().endTime)) {
        animation.finish();
        if (effect.target && !effect.pseudoElement) {
          animation.commitStyles();
          animation.cancel();
        }
      } else {
        animation.cancel();
      }
    } catch {
      // An element that is not rendered cannot commit styles: it is not in the screenshot either.
    }
  }
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))));
}

// Waits until no request has been in flight for QUIET_MS, at most IDLE_MS; true if it got there.
// Playwright's waitForLoadState('networkidle') is not used: with reveal.js's demo.html (an about:blank
// iframe, and a same-document navigation when reveal.js writes the slide into the URL hash) it
// sometimes never fired although no request was in flight, costing the whole bound.
async function waitForNetworkIdle(net) {
  const deadline = Date.now() + IDLE_MS;
  for (;;) {
    const now = Date.now();
    if (net.inFlight.size === 0 && now - net.lastChange >= QUIET_MS) return true;
    if (now >= deadline) return false;
    await sleep(Math.min(50, deadline - now));
  }
}

// ---------------------------------------------------------------------------------------------
// One load of one URL, in a browser of its own.

async function loadOnce(chromium, spec, url, shotPath) {
  const ok = [];
  const failed = new Map(); // "url reason" -> {url, reason}
  const blocked = [];
  const consoleTexts = [];
  const pending = []; // response look-ups started by requestfinished, awaited before reporting
  const net = { inFlight: new Set(), lastChange: Date.now() }; // for waitForNetworkIdle
  const track = (req, busy) => {
    if (busy) net.inFlight.add(req);
    else net.inFlight.delete(req);
    net.lastChange = Date.now();
  };
  let screenshot = null;
  let title = null;
  let error = null;

  const addFailed = (u, reason) => failed.set(`${u} ${reason}`, { url: u, reason });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assetpress-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: spec.chromium,
      headless: true,
      args: LAUNCH_ARGS,
      viewport: VIEWPORT,
      deviceScaleFactor: 1,
      reducedMotion: 'reduce',
      serviceWorkers: 'block',
      timeout: TIMEOUT_MS,
    });
    context.setDefaultTimeout(TIMEOUT_MS);
    context.setDefaultNavigationTimeout(TIMEOUT_MS);

    // Loopback only. WebSockets are not seen by route(): those to other hosts are closed at once.
    await context.route('**/*', (route) => {
      const u = route.request().url();
      // (A route can fail to be settled when its page is already gone: nothing to report then.)
      if (isAllowed(u)) return route.continue().catch(() => {});
      blocked.push(u);
      return route.abort('blockedbyclient').catch(() => {});
    });
    await context.routeWebSocket((u) => !isLoopback(u.href), (ws) => {
      blocked.push(ws.url());
      ws.close();
    });

    context.on('request', (req) => track(req, true));
    context.on('requestfinished', (req) => {
      track(req, false);
      if (!isLoopback(req.url())) return;
      pending.push(req.response().then((res) => {
        if (!res) addFailed(req.url(), 'no response');
        else if (res.status() >= 400) addFailed(req.url(), `HTTP ${res.status()}`);
        else ok.push(req.url());
      }, (e) => addFailed(req.url(), String(e.message || e))));
    });
    context.on('requestfailed', (req) => {
      track(req, false);
      if (!isLoopback(req.url())) return;
      // A response with an error status whose body Chromium then dropped (a 404 text/html answer to
      // a stylesheet request fails with net::ERR_ABORTED) is reported by its status.
      const errorText = req.failure()?.errorText || 'failed';
      pending.push(req.response().then(
        (res) => addFailed(req.url(), res && res.status() >= 400 ? `HTTP ${res.status()}` : errorText),
        () => addFailed(req.url(), errorText)));
    });
    context.on('console', (msg) => {
      if (msg.type() === 'error') consoleTexts.push(msg.text());
    });

    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => consoleTexts.push(`Uncaught ${e.name || 'Error'}: ${e.message}`));

    await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT_MS });

    if (!await waitForNetworkIdle(net)) {
      log(`${url}: network not idle after ${IDLE_MS} ms, going on (still loading: ` +
        `${[...net.inFlight].map((r) => r.url().slice(0, 200)).join(', ')})`);
    }
    await withTimeout(page.evaluate(() => document.fonts.ready.then(() => true)), SETTLE_WAIT_MS, 'document.fonts.ready')
      .catch((e) => log(`${url}: ${e.message}, going on`));
    await page.waitForFunction(() => [...document.images].every((img) => {
      if (img.complete) return true;
      const r = img.getBoundingClientRect();
      const inViewport = r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
      return !inViewport;
    }), null, { timeout: SETTLE_WAIT_MS, polling: 100 })
      .catch(() => log(`${url}: images in the viewport still loading after ${SETTLE_WAIT_MS} ms, going on`));
    await page.waitForTimeout(SETTLE_MS);
    await withTimeout(page.evaluate(freezeAnimations), SETTLE_WAIT_MS, 'stopping animations')
      .catch((e) => log(`${url}: ${e.message}, going on`));

    await page.screenshot({ path: shotPath, animations: 'disabled', caret: 'hide', timeout: TIMEOUT_MS });
    screenshot = shotPath;
    title = await withTimeout(page.evaluate(() => document.title), SETTLE_WAIT_MS, 'document.title')
      .catch(() => null);
  } catch (e) {
    error = String(e && e.message ? e.message.split('\n')[0] : e);
  } finally {
    await Promise.allSettled(pending);
    if (context) await context.close().catch((e) => log(`closing the browser: ${e.message}`));
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  return {
    ok: sortedUnique(ok),
    failed: [...failed.values()].sort((a, b) => (a.url + a.reason < b.url + b.reason ? -1 : 1)),
    blocked: sortedUnique(blocked),
    console: consoleTexts,
    screenshot,
    title,
    error,
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0].startsWith('-')) fail('usage: node check.mjs SPEC.json');
  const spec = readSpec(args[0]);
  const { chromium } = loadPlaywright();
  const shots = path.resolve(spec.shots);
  try {
    fs.mkdirSync(shots, { recursive: true });
  } catch (e) {
    fail(`cannot create the screenshot folder ${shots}: ${e.message}`);
  }
  const shotPath = shotNamer(shots);

  const results = [];
  for (const p of spec.pages) {
    const entry = { name: p.name };
    for (const side of SIDES) {
      const started = Date.now();
      entry[side] = await loadOnce(chromium, spec, p[side], shotPath(p.name, side));
      const r = entry[side];
      log(`${p.name} ${side}: ${((Date.now() - started) / 1000).toFixed(1)} s, ${r.ok.length} ok, ` +
        `${r.failed.length} failed, ${r.blocked.length} blocked, ${r.console.length} console errors` +
        (r.error ? `, error: ${r.error}` : ''));
    }
    results.push(entry);
  }
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
}

main().catch((e) => fail(`unexpected error: ${e && e.stack ? e.stack : e}`));
