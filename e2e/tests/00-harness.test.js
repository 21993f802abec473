'use strict';

// Self-test of the tooling, independent of the app: axe-core must be injectable
// into a page whose CSP forbids inline scripts (as the app's does), and it must
// actually report violations. If this fails, every other result is suspect.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');

const { launchBrowser, newContext } = require('../lib/browser');
const { runAxe, runAxeWithoutJavaScript, formatViolations } = require('../lib/axe');
const { htmlPageProblems } = require('../lib/checks');

const CSP = "default-src 'self'; script-src 'self'; frame-ancestors 'none'";

const CLEAN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clean page</title></head>
<body><header><nav aria-label="Primary"><a href="/">Home</a></nav></header>
<main><h1>Clean page</h1><p>Nothing wrong here.</p><img src="/x.png" alt="A picture"></main></body></html>`;

const BROKEN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Broken page</title></head>
<body><main><h1>Broken page</h1><img src="/x.png"><script>window.inlineRan = true;</script></main></body></html>`;

const TANGLED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tangled page</title></head>
<body><main><h1 id="title">Tangled page</h1><p id="title">Same id twice.</p>
<label for="name">Name</label><input id="name" aria-describedby="name-hint">
<a href="#nowhere">Go nowhere</a></main></body></html>`;

let server;
let origin;
let browser;

before(async () => {
  server = http.createServer((req, res) => {
    const pages = { '/': CLEAN_PAGE, '/broken': BROKEN_PAGE, '/tangled': TANGLED_PAGE };
    const body = pages[req.url] ?? null;
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

test('harness: axe runs on pages loaded with JavaScript off', { timeout: 60_000 }, async () => {
  const context = await newContext(browser, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/broken`);
    const broken = await runAxeWithoutJavaScript(page);
    assert.ok(
      broken.some((v) => v.id === 'image-alt'),
      `expected axe to report image-alt on the broken page without JavaScript, got: ${formatViolations(broken, '/broken')}`,
    );
    await page.goto(`${origin}/`);
    const clean = await runAxeWithoutJavaScript(page);
    assert.deepEqual(clean, [], formatViolations(clean, '/'));
  } finally {
    await context.close();
  }
});

test('harness: the page checks report ids used twice and references to missing ids', { timeout: 60_000 }, async () => {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    const response = await page.goto(`${origin}/tangled`);
    const problems = await htmlPageProblems(page, response, { where: '/tangled', checkHeaders: false });
    assert.ok(problems.some((p) => p.includes('ids used more than once: title (x2)')), problems.join('\n'));
    assert.ok(
      problems.some((p) => p.includes('input[aria-describedby] -> #name-hint') && p.includes('a[href] -> #nowhere')),
      problems.join('\n'),
    );
    const cleanResponse = await page.goto(`${origin}/`);
    assert.deepEqual(await htmlPageProblems(page, cleanResponse, { where: '/', checkHeaders: false }), []);
  } finally {
    await context.close();
  }
});
