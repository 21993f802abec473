'use strict';

// A failed sign-in shows an accessible error summary that does not reveal
// whether the account exists.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const config = require('../lib/config');
const { launchBrowser, newAppContext, watchPage } = require('../lib/browser');
const { runAxe, formatViolations } = require('../lib/axe');
const { assertNoProblems } = require('../lib/checks');
const { submitSignIn, signOutButton, pathOf } = require('../lib/app');

const WRONG_PASSWORD = 'definitely-not-the-password-42';
const UNKNOWN_EMAIL = 'nobody.here@demo.reconnect.test';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

const norm = (s) => String(s).replace(/\s+/g, ' ').trim();

/** Attempts a sign-in in a fresh context; returns what the user is shown. */
async function failedAttempt(t, email, password) {
  const context = await newAppContext(browser);
  try {
    const page = await context.newPage();
    const watcher = watchPage(page);
    const { postStatus } = await submitSignIn(page, email, password);
    const where = `${page.url()} after a failed sign-in as ${email}`;
    assert.ok(postStatus !== null && postStatus < 500, `POST sign-in as ${email} gave HTTP ${postStatus}`);
    assert.notEqual(pathOf(page.url()), '/', `a failed sign-in as ${email} must not land on "/"`);
    assert.equal(await signOutButton(page).count(), 0, `${where}: user appears signed in (Sign out button shown)`);

    const summary = page.locator('.nhsuk-error-summary');
    assert.ok((await summary.count()) >= 1, `${where}: no .nhsuk-error-summary element`);
    assert.ok(await summary.first().isVisible(), `${where}: .nhsuk-error-summary is not visible`);

    const violations = await runAxe(page);
    for (const e of watcher.take()) t.diagnostic(e);
    assertNoProblems(violations.length ? [formatViolations(violations, where)] : [], 'failed sign-in page');

    return {
      summary: norm(await summary.first().innerText()),
      fieldErrors: (await page.locator('.nhsuk-error-message').allInnerTexts()).map(norm),
      title: norm(await page.title()),
    };
  } finally {
    await context.close();
  }
}

test('wrong password and unknown email show the same accessible error', { timeout: config.TEST_TIMEOUT_MS * 2 }, async (t) => {
  const known = config.ACCOUNTS[0].email;
  const wrongPassword = await failedAttempt(t, known, WRONG_PASSWORD);
  const unknownEmail = await failedAttempt(t, UNKNOWN_EMAIL, WRONG_PASSWORD);
  t.diagnostic(`error summary text: ${wrongPassword.summary}`);

  assert.ok(wrongPassword.summary.length > 0, 'the error summary is empty');
  assert.equal(
    unknownEmail.summary,
    wrongPassword.summary,
    'the error summary must read the same for an unknown email and a wrong password (no account enumeration)',
  );
  assert.deepEqual(
    unknownEmail.fieldErrors,
    wrongPassword.fieldErrors,
    'inline field errors must read the same for an unknown email and a wrong password',
  );
  assert.equal(unknownEmail.title, wrongPassword.title, 'page titles differ between unknown email and wrong password');
  assert.doesNotMatch(
    wrongPassword.summary,
    /(no|unknown|not (found|registered|recogni[sz]ed)).{0,20}(account|user|email)|(account|user|email).{0,30}(does not|doesn't|not) exist/i,
    'the error message appears to say whether the account exists',
  );
});
