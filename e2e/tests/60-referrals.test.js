'use strict';

// Referrals in: the public self-referral form works on a 320 px wide screen
// with JavaScript off, and a worker triages the self-referral it sends.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const config = require('../lib/config');
const { launchBrowser, newAppContext, watchPage } = require('../lib/browser');
const { htmlPageProblems, assertNoProblems } = require('../lib/checks');
const { runAxe, runAxeWithoutJavaScript, formatViolations } = require('../lib/axe');
const { signIn, pathOf } = require('../lib/app');

// A prison served by RECONNECT Surrey, whose demo worker triages below.
const SURREY_PRISON = 'HMP High Down';
const REFERENCE = /RCN-[2-9A-Z]{4}-[2-9A-Z]{4}/;

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Nothing on the page is wider than the screen (no sideways scrolling). */
async function overflowProblems(page, width) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  return scrollWidth > width ? [`the page is ${scrollWidth}px wide on a ${width}px screen`] : [];
}

/**
 * Fills in and sends the public form as someone asking for themselves, on a
 * phone-sized screen with JavaScript off. Returns the reference shown.
 */
async function sendSelfReferral(t, givenName) {
  const context = await newAppContext(browser, {
    viewport: { width: 320, height: 720 },
    javaScriptEnabled: false,
  });
  try {
    const page = await context.newPage();
    const watcher = watchPage(page);
    const response = await page.goto('/refer');
    assert.equal(pathOf(page.url()), '/refer', `GET /refer signed out should not redirect (ended on ${page.url()})`);
    const problems = await htmlPageProblems(page, response, { where: '/refer at 320px', javaScript: false });
    problems.push(...(await overflowProblems(page, 320)));
    for (const e of watcher.take()) t.diagnostic(e);
    assertNoProblems(problems, 'GET /refer at 320px without JavaScript');

    // Sent with nothing filled in: the refusal also fits the screen and is axe clean.
    const [refusal] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.getByRole('button', { name: 'Send request', exact: true }).click(),
    ]);
    assert.equal(await page.locator('.nhsuk-error-summary').count(), 1, 'an empty form should be refused with an error summary');
    const refused = await htmlPageProblems(page, refusal, { where: '/refer refused at 320px', javaScript: false });
    refused.push(...(await overflowProblems(page, 320)));
    for (const e of watcher.take()) t.diagnostic(e);
    assertNoProblems(refused, 'POST /refer without answers, at 320px without JavaScript');

    await page.getByLabel('I am asking for support for myself', { exact: true }).check();
    await page.getByLabel('First name', { exact: true }).fill(givenName);
    await page.getByLabel('Last name', { exact: true }).fill('Ashdown');
    await page.locator('#date_of_birth-day').fill('14');
    await page.locator('#date_of_birth-month').fill('2');
    await page.locator('#date_of_birth-year').fill('1988');
    await page.locator('#prison_id').selectOption({ label: SURREY_PRISON });
    await page.getByLabel('Mental health or emotional wellbeing', { exact: true }).check();
    await page.getByLabel('Through the prison (for example, a letter or a visit)', { exact: true }).check();
    await page.locator('#consent').check();
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.getByRole('button', { name: 'Send request', exact: true }).click(),
    ]);

    assert.ok(
      (await page.locator('h1').innerText()).includes('Thank you'),
      `the confirmation page should thank them (got ${await page.locator('h1').innerText()})`,
    );
    const reference = (await page.locator('#reference').innerText()).trim();
    assert.match(reference, REFERENCE, `the confirmation should show a reference (got ${JSON.stringify(reference)})`);
    const done = [];
    done.push(...(await overflowProblems(page, 320)));
    const violations = await runAxeWithoutJavaScript(page);
    if (violations.length > 0) done.push(formatViolations(violations, 'confirmation'));
    for (const e of watcher.take()) t.diagnostic(e);
    assertNoProblems(done, 'the confirmation page at 320px');
    return reference;
  } finally {
    await context.close();
  }
}

test('the public form works at 320px wide with JavaScript off, and shows a reference', { timeout: config.TEST_TIMEOUT_MS }, async (t) => {
  await sendSelfReferral(t, 'Robin');
});

test('a worker triages a self-referral', { timeout: config.TEST_TIMEOUT_MS }, async (t) => {
  const reference = await sendSelfReferral(t, 'Morgan');
  const account = config.ACCOUNTS.find((a) => a.role === 'worker');
  const context = await newAppContext(browser);
  try {
    const page = await context.newPage();
    const watcher = watchPage(page);
    await signIn(page, account);

    // The queue lists it, and it can be found by its reference.
    let response = await page.goto('/triage');
    let problems = await htmlPageProblems(page, response, { where: '/triage' });
    assert.ok(
      (await page.locator('main').innerText()).includes(reference),
      `the triage queue should list ${reference}`,
    );
    await page.getByLabel('Find a referral by its reference', { exact: true }).fill(reference.toLowerCase());
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.getByRole('button', { name: 'Find referral', exact: true }).click(),
    ]);
    assert.match(pathOf(page.url()), /^\/triage\/[0-9a-f-]{36}$/, `the lookup should open the referral (ended on ${page.url()})`);
    assert.ok((await page.locator('h1').innerText()).includes('Morgan Ashdown'));
    const violations = await runAxe(page);
    if (violations.length > 0) problems.push(formatViolations(violations, 'the referral'));

    // Accept it as a new record: the prison is filled in from the referral.
    await page.getByLabel('Accept, and make a new record for them', { exact: true }).check();
    await page.locator('#prison_number').fill('A4321BC');
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.getByRole('button', { name: 'Save decision', exact: true }).click(),
    ]);
    const banner = await page.locator('.nhsuk-notification-banner').innerText();
    assert.ok(banner.includes('Referral accepted'), `expected "Referral accepted", got ${JSON.stringify(banner)}`);
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.getByRole('link', { name: 'Go to their record', exact: true }).click(),
    ]);
    assert.match(pathOf(page.url()), /^\/people\/[0-9a-f-]{36}$/);
    assert.ok((await page.locator('main').innerText()).includes('Ashdown'));

    // It has left the queue.
    response = await page.goto('/triage');
    assert.ok(response && response.status() < 400);
    assert.ok(
      !(await page.locator('main').innerText()).includes(reference),
      `${reference} should have left the triage queue`,
    );
    for (const e of watcher.take()) t.diagnostic(e);
    assertNoProblems(problems, 'triaging a self-referral');
  } finally {
    await context.close();
  }
});
