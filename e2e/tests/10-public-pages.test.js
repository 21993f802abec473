'use strict';

// Pages that must work without signing in, and the styled 404 page.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const config = require('../lib/config');
const { launchBrowser, newAppContext, watchPage } = require('../lib/browser');
const { htmlPageProblems, assertNoProblems } = require('../lib/checks');
const { pathOf } = require('../lib/app');

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

async function withPage(fn) {
  const context = await newAppContext(browser);
  try {
    const page = await context.newPage();
    const watcher = watchPage(page);
    return await fn(page, watcher);
  } finally {
    await context.close();
  }
}

for (const path of ['/sign-in', '/accessibility', '/privacy']) {
  test(`public page ${path}: loads signed out, has an h1, is axe clean`, { timeout: config.TEST_TIMEOUT_MS }, async (t) => {
    await withPage(async (page, watcher) => {
      const response = await page.goto(path);
      const landed = pathOf(page.url());
      assert.equal(landed, path, `GET ${path} while signed out should not redirect (ended on ${page.url()})`);
      const problems = await htmlPageProblems(page, response, { where: path });
      for (const e of watcher.take()) t.diagnostic(e);
      assertNoProblems(problems, `GET ${path}`);
    });
  });
}

test('missing page /no-such-page: styled 404 with an h1, axe clean', { timeout: config.TEST_TIMEOUT_MS }, async (t) => {
  await withPage(async (page, watcher) => {
    const path = '/no-such-page';
    const response = await page.goto(path);
    const problems = await htmlPageProblems(page, response, { where: path, expectStatus: 404 });
    // "Styled": the page links a same-origin stylesheet that actually loaded with rules.
    const styling = await page.evaluate(() => {
      const links = Array.from(document.querySelectorAll('link[rel~="stylesheet"]')).map((l) => l.href);
      let rules = 0;
      for (const sheet of Array.from(document.styleSheets)) {
        try {
          rules += sheet.cssRules.length;
        } catch {
          rules += 1; // cross-origin sheet: loaded, rules not readable
        }
      }
      return { links, rules };
    });
    if (styling.links.length === 0) problems.push('the 404 page links no stylesheet (expected the app layout)');
    else if (styling.rules === 0) problems.push(`the 404 page stylesheet(s) did not load: ${styling.links.join(', ')}`);
    for (const e of watcher.take()) t.diagnostic(e);
    assertNoProblems(problems, `GET ${path}`);
  });
});
