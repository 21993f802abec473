'use strict';

// The service must work without JavaScript (progressive enhancement).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const config = require('../lib/config');
const { launchBrowser, newAppContext } = require('../lib/browser');
const { signIn, signOut, pathOf, SIGN_IN_PATH } = require('../lib/app');

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

test('with JavaScript disabled a worker can sign in, see the home page and sign out', { timeout: config.TEST_TIMEOUT_MS }, async () => {
  const account = config.ACCOUNTS.find((a) => a.role === 'worker');
  const context = await newAppContext(browser, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await signIn(page, account);
    const response = await page.goto('/');
    assert.ok(response && response.status() < 400, `GET / without JavaScript gave HTTP ${response && response.status()}`);
    assert.equal(pathOf(page.url()), '/', `GET / without JavaScript ended on ${page.url()}`);
    assert.ok((await page.locator('h1').count()) >= 1, 'home page has no <h1> without JavaScript');

    await signOut(page);
    await page.goto('/');
    assert.equal(pathOf(page.url()), SIGN_IN_PATH, `after signing out without JavaScript, "/" should redirect to ${SIGN_IN_PATH} (ended on ${page.url()})`);
  } finally {
    await context.close();
  }
});
