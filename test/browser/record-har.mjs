#!/usr/bin/env node
// record-har.mjs: open a page in headless Debian Chromium (driven by playwright-core, no
// downloaded browser) and write the HAR file Playwright records while the page runs.
//
// The page signals that it has finished by setting `window.__portcullisDone = true`; what its
// script saw (status or error of every call) is read from `window.__portcullisResults` and
// printed to stdout as one JSON line ({"results": […], "phases": {"launched": ms, …}}). The HAR is
// written when the browser context closes.
//
// Usage:
//   node record-har.mjs --url URL --har FILE --user-data-dir DIR
//        [--mode full|minimal] [--content embed|omit|attach]
//        [--disable-web-security] [--timeout-ms 30000] [--chromium /usr/bin/chromium]
//
// --timeout-ms bounds each step (launch, page load, the page's calls); the whole run ends at
// most 5 s later.
//
// --user-data-dir must be a fresh, empty directory (the caller owns and removes it).
// --disable-web-security turns off Chromium's CORS checks, so cross-origin calls go out with
// their headers and without a preflight, and the HAR holds the gateway's real answers.
//
// Exit codes: 0 the HAR was written; 1 anything failed; 2 usage error.

import { chromium } from 'playwright-core';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';

function usage(msg) {
  process.stderr.write(`record-har: ${msg}\n`);
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      url: { type: 'string' },
      har: { type: 'string' },
      'user-data-dir': { type: 'string' },
      mode: { type: 'string', default: 'full' },
      content: { type: 'string', default: 'embed' },
      'disable-web-security': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string', default: '30000' },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  usage(err.message);
}
if (!opts.url) usage('--url is required');
if (!opts.har) usage('--har is required');
if (!opts['user-data-dir']) usage('--user-data-dir is required');
if (!['full', 'minimal'].includes(opts.mode)) usage(`--mode ${opts.mode}: want full or minimal`);
if (!['embed', 'omit', 'attach'].includes(opts.content)) usage(`--content ${opts.content}: want embed, omit or attach`);
const timeoutMs = Number(opts['timeout-ms']);
if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) usage(`--timeout-ms ${opts['timeout-ms']}: want a positive integer`);
if (!existsSync(opts.chromium)) usage(`${opts.chromium} does not exist: install Debian's Chromium (apt-get install -y chromium)`);
const udd = opts['user-data-dir'];
if (!existsSync(udd) || !statSync(udd).isDirectory() || readdirSync(udd).length !== 0) {
  usage(`--user-data-dir ${udd} must be an existing empty directory`);
}

// Flags for a quiet, hermetic headless Chromium: no sandbox (containers, CI), no GPU, no QUIC,
// no first-run UI and no background traffic to Google that would end up in the HAR.
const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
if (opts['disable-web-security']) args.push('--disable-web-security');

let context;
// Each step (launch, load, the page's calls) is bounded by --timeout-ms; this hard stop bounds
// the whole run at --timeout-ms + 5 s. Playwright's own exit and SIGTERM handlers kill the
// browser's process group when this process ends.
const watchdog = setTimeout(() => {
  process.stderr.write(`record-har: still running ${timeoutMs + 5000} ms after start; giving up\n`);
  process.exit(1);
}, timeoutMs + 5000);
watchdog.unref();

// phases: milliseconds from start to the end of each step, reported with the results.
const t0 = performance.now();
const phases = {};
const mark = (name) => { phases[name] = Math.round(performance.now() - t0); };

async function main() {
  context = await chromium.launchPersistentContext(udd, {
    executablePath: opts.chromium,
    headless: true,
    args,
    timeout: timeoutMs,
    recordHar: { path: opts.har, content: opts.content, mode: opts.mode },
  });
  mark('launched');
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => process.stderr.write(`record-har: console.${m.type()}: ${m.text()}\n`));
  page.on('pageerror', (e) => process.stderr.write(`record-har: page error: ${e.message}\n`));
  const resp = await page.goto(opts.url, { waitUntil: 'load', timeout: timeoutMs });
  if (!resp || !resp.ok()) {
    throw new Error(`loading ${opts.url}: ${resp ? `HTTP ${resp.status()}` : 'no response'}`);
  }
  mark('loaded');
  await page.waitForFunction(() => window.__portcullisDone === true, null, { timeout: timeoutMs });
  mark('calls done');
  const results = await page.evaluate(() => window.__portcullisResults);
  if (!Array.isArray(results)) throw new Error('the page set __portcullisDone without __portcullisResults');
  // Closing the context writes the HAR.
  await context.close();
  context = undefined;
  mark('closed');
  if (!existsSync(opts.har)) throw new Error(`no HAR written at ${opts.har}`);
  process.stdout.write(JSON.stringify({ results, phases }) + '\n');
}

try {
  await main();
} catch (err) {
  process.stderr.write(`record-har: ${err?.stack ?? err}\n`);
  if (context) await context.close().catch(() => {});
  process.exit(1);
}
