'use strict';

// Self-test of the tooling, independent of the app: axe-core must be injectable
// into a page whose CSP forbids inline scripts (as the app's does), and it must
// actually report violations. If this fails, every other result is suspect.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');

const { launchBrowser, newContext } = require('../lib/browser');
const { runAxe, formatViolations } = require('../lib/axe');

const CSP = "default-src 'self'; script-src 'self'; frame-ancestors 'none'";

const CLEAN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clean page</title></head>
<body><header><nav aria-label="Primary"><a href="/">Home</a></nav></header>
<main><h1>Clean page</h1><p>Nothing wrong here.</p><img src="/x.png" alt="A picture"></main></body></html>`;

const BROKEN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Broken page</title></head>
<body><main><h1>Broken page</h1><img src="/x.png"><script>window.inlineRan = true;</script></main></body></html>`;

let server;
let origin;
let browser;

before(async () => {
  server = http.createServer((req, res) => {
    const body = req.url === '/broken' ? BROKEN_PAGE : req.url === '/' ? CLEAN_PAGE : null;
    if (body === null) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

test('harness: axe-core runs under a CSP that forbids inline scripts', { timeout: 60_000 }, async () => {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();

    await page.goto(`${origin}/broken`);
    // The CSP is really enforced: the inline <script> in the page must not have run.
    assert.equal(await page.evaluate(() => window.inlineRan === true), false, 'inline script ran despite the CSP');
    const broken = await runAxe(page);
    assert.ok(
      broken.some((v) => v.id === 'image-alt'),
      `expected axe to report image-alt on the broken page, got: ${formatViolations(broken, '/broken')}`,
    );

    await page.goto(`${origin}/`);
    const clean = await runAxe(page);
    assert.deepEqual(clean, [], formatViolations(clean, '/'));
  } finally {
    await context.close();
  }
});
