'use strict';

// The services directory and onward referrals (issue 5), as a worker uses them:
// from a person's drug and alcohol need, search the directory near a postcode in
// the demo fixture, open a substance-misuse service, follow "Refer to this
// service", choose what to share, save the draft and send it (recording the
// person's consent to share with drug and alcohol services first if the page
// asks for it), record that the service accepted it and the first appointment,
// then check the referral's history and open its letter. Every page on the way
// is checked like the crawler's pages: status, <h1>, security headers, ids,
// axe-core. The public Open Referral feed answers JSON with a CORS header.
// Nothing depends on which person or service the demo data lists first: the
// test picks from what the pages show.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const config = require('../lib/config');
const { launchBrowser, newAppContext, watchPage } = require('../lib/browser');
const { htmlPageProblems, assertNoProblems } = require('../lib/checks');
const { signIn, pathOf } = require('../lib/app');

const PERSON_PATH = /^\/people\/[0-9a-f-]{36}$/;
const NEEDS_PATH = /^\/people\/[0-9a-f-]{36}\/episodes\/[0-9a-f-]{36}\/needs$/;
const REFERRAL_PATH = /^\/people\/[0-9a-f-]{36}\/episodes\/[0-9a-f-]{36}\/onward-referrals\/[0-9a-f-]{36}$/;
const SERVICE_PATH = /^\/directory\/services\/[0-9a-f-]{36}$/;
// The need whose "Refer to a service" link searches for substance-misuse services.
const NEED_AREA = 'Drug and alcohol use';
const SUBSTANCE_TERM = 'term=substance-misuse';
// A postcode in the demo fixture, near the Surrey services.
const POSTCODE = 'GU1 1AA';
const RADIUS = '25';
// Unique per run, so a server that has seen this test before still proves it.
const STAMP = new Date().toISOString().slice(0, 19).replace('T', ' ');
const SHARING_SCOPE = `Their drug and alcohol needs and contact details, for a referral (e2e ${STAMP})`;
// How many people the worker's list is searched for someone with a drug and alcohol need.
const MAX_PEOPLE_TRIED = 40;

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

function squash(s) {
  return String(s).replace(/\s+/g, ' ').trim();
}

/** One person's walk in one browser page: every page is checked, problems gathered for one report. */
class Walk {
  constructor(t, page) {
    this.t = t;
    this.page = page;
    this.watcher = watchPage(page);
    this.problems = [];
    this.checked = 0;
  }

  async check(response, where) {
    const found = await htmlPageProblems(this.page, response, { where });
    this.checked += 1;
    for (const e of this.watcher.take()) this.t.diagnostic(`${where}: ${e}`);
    if (found.length > 0) {
      this.problems.push(`${where} (${pathOf(this.page.url())}):\n  ${found.join('\n  ').replace(/\n/g, '\n  ')}`);
    }
  }

  async open(path, where = path) {
    const response = await this.page.goto(path);
    await this.check(response, where);
  }

  async click(locator, where) {
    const [response] = await Promise.all([this.page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
    await this.check(response, where);
  }

  button(name) {
    return this.page.getByRole('button', { name, exact: true });
  }

  async h1() {
    return squash(await this.page.locator('h1').innerText());
  }

  async successBanner() {
    const banner = this.page.locator('.nhsuk-notification-banner--success');
    assert.equal(await banner.count(), 1, `expected a success banner on ${this.page.url()}`);
    return squash(await banner.innerText());
  }

  async noErrorSummary(step) {
    const summary = this.page.locator('.nhsuk-error-summary');
    if ((await summary.count()) > 0) {
      assert.fail(`${step}: the page shows an error summary: ${squash(await summary.innerText())}`);
    }
  }

  /**
   * Sends a form without answers (pressing `button`) and checks the refusal: the
   * title starts "Error:", an error summary whose links each lead to a field on
   * the page (`expected` ids among them), and messages next to the fields.
   */
  async sendEmpty(button, where, expected = []) {
    await this.click(button, `${where}, sent without answers`);
    const summary = this.page.locator('.nhsuk-error-summary');
    assert.equal(await summary.count(), 1, `${where}: sending it empty should show an error summary (on ${this.page.url()})`);
    assert.match(await this.page.title(), /^Error: /, `${where}: the title should start with "Error: "`);
    const targets = await summary
      .locator('a[href^="#"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href').slice(1)));
    assert.ok(targets.length > 0, `${where}: the error summary should link to the fields to fix`);
    for (const id of expected) {
      assert.ok(targets.includes(id), `${where}: the error summary should link to #${id} (links: ${targets.join(', ')})`);
    }
    for (const id of targets) {
      const field = this.page.locator(`[id="${id}"]`);
      assert.equal(await field.count(), 1, `${where}: the error summary links to #${id}, which is not on the page`);
      assert.ok(
        await field.evaluate((el) => el.matches('input, select, textarea, .nhsuk-date-input')),
        `${where}: the error summary link #${id} should lead to a field`,
      );
    }
    assert.ok((await this.page.locator('.nhsuk-error-message').count()) >= 1, `${where}: the fields should have error messages next to them`);
    this.t.diagnostic(`${where}: refused with ${targets.length} error(s), each linked to its field`);
  }
}

/** The hrefs of the links in <main> of `html` (entities in them decoded), in order. */
function mainLinks(html) {
  const main = html.slice(Math.max(0, html.indexOf('<main')));
  return [...main.matchAll(/<a\b[^>]*\bhref="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => ({
    href: m[1].replace(/&#38;|&amp;/g, '&'),
    text: squash(m[2].replace(/<[^>]*>/g, ' ')),
  }));
}

/**
 * Looks through the worker's people (without the browser: the pages are read
 * with the worker's session) for someone whose current episode has a drug and
 * alcohol need with a "Refer to a service" link. Returns the person's path.
 */
async function findPersonWithSubstanceNeed(page) {
  const get = async (path) => {
    const r = await page.request.get(path);
    assert.equal(r.status(), 200, `GET ${path} should answer 200`);
    return r.text();
  };
  const people = [...new Set(mainLinks(await get('/people')).map((l) => l.href).filter((h) => PERSON_PATH.test(h)))];
  assert.ok(people.length > 0, 'the worker should have people listed on /people');
  for (const person of people.slice(0, MAX_PEOPLE_TRIED)) {
    const needs = mainLinks(await get(person)).find((l) => NEEDS_PATH.test(l.href) && l.href.startsWith(`${person}/`));
    if (!needs) continue;
    const refer = mainLinks(await get(needs.href)).find((l) => l.href.includes(SUBSTANCE_TERM));
    if (refer) return { person, needs: needs.href };
  }
  assert.fail(`none of the worker's first ${MAX_PEOPLE_TRIED} people has a "${NEED_AREA}" need to refer from`);
}

/** Today plus `days`, as { day, month, year } strings. */
function dateParts(days) {
  const d = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  return { day: String(d.getUTCDate()), month: String(d.getUTCMonth() + 1), year: String(d.getUTCFullYear()) };
}

/** Records consent to share with drug and alcohol services on the consent page now shown. */
async function recordSharingConsent(walk) {
  const { page } = walk;
  assert.equal(await walk.h1(), 'Consent');
  await page.getByLabel('Who may information be shared with?', { exact: true }).selectOption({ label: 'Drug and alcohol services' });
  const today = dateParts(0);
  const when = page.getByRole('group', { name: 'When did they agree?', exact: true });
  await when.getByLabel('Day', { exact: true }).fill(today.day);
  await when.getByLabel('Month', { exact: true }).fill(today.month);
  await when.getByLabel('Year', { exact: true }).fill(today.year);
  await page.getByLabel('What information may be shared?', { exact: true }).fill(SHARING_SCOPE);
  await walk.click(walk.button('Record consent to share'), 'consent, sharing recorded');
  await walk.noErrorSummary('recording consent to share with drug and alcohol services');
  const main = squash(await page.locator('main').innerText());
  assert.match(main, /Sharing with: Drug and alcohol services/i, 'the consent page should list the new sharing consent');
}

/** The rows of the referral's history table: what happened, in order. */
async function historyWhats(page) {
  const table = page.locator('main table', { has: page.locator('caption', { hasText: 'Every change' }) });
  assert.equal(await table.count(), 1, 'the referral page should show its history');
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((tr) => (tr.querySelectorAll('td')[1]?.textContent || '').trim()));
}

test('a worker finds a substance-misuse service near a postcode, refers the person with consent and records acceptance and the first appointment', { timeout: config.ROLE_TEST_TIMEOUT_MS }, async (t) => {
  const worker = config.ACCOUNTS.find((a) => a.role === 'worker');
  const context = await newAppContext(browser);
  const page = await context.newPage();
  const walk = new Walk(t, page);
  try {
    await signIn(page, worker);
    await walk.check(await page.reload(), 'home');

    // A person of theirs with a drug and alcohol need, and that need's "Refer to a service" link.
    const chosen = await findPersonWithSubstanceNeed(page);
    await walk.open(chosen.person, 'the person');
    await walk.open(chosen.needs, 'their needs');
    assert.equal(await walk.h1(), 'Needs');
    const refer = page.locator('main table').getByRole('link', { name: `Refer to a service for ${NEED_AREA}`, exact: true });
    assert.equal(await refer.count(), 1, `the needs page should offer "Refer to a service" for ${NEED_AREA}`);
    await walk.click(refer, 'directory, from the need');
    assert.equal(pathOf(page.url()), '/directory');
    assert.equal(await walk.h1(), 'Services directory');
    const carried = new URL(page.url()).searchParams;
    for (const name of ['person_id', 'episode_id', 'need_id']) {
      assert.match(carried.get(name) || '', /^[0-9a-f-]{36}$/, `the directory link should carry ${name}`);
    }
    assert.equal(carried.get('term'), 'substance-misuse', 'the directory should open on substance-misuse services');
    t.diagnostic(`person ${chosen.person}`);

    // Search near a postcode in the demo fixture.
    const term = page.getByLabel('What kind of help?', { exact: true });
    assert.equal(await term.inputValue(), 'substance-misuse', 'the kind of help should be chosen from the need');
    await page.getByLabel('Near a postcode', { exact: true }).fill(POSTCODE);
    await page.getByLabel('Within how many kilometres?', { exact: true }).fill(RADIUS);
    await walk.click(walk.button('Search'), 'directory, searched near a postcode');
    await walk.noErrorSummary(`searching near ${POSTCODE}`);
    const summary = squash(await page.locator('main h2#results + p').innerText());
    assert.match(summary, /services? found, nearest first/, `the results should be sorted by distance (got ${JSON.stringify(summary)})`);
    const results = page.locator('main .nhsuk-card__heading a');
    assert.ok((await results.count()) > 0, `a substance-misuse service should be within ${RADIUS} km of ${POSTCODE}`);
    const distances = await page.locator('main .nhsuk-card').evaluateAll((cards) => cards.map((c) => c.textContent.replace(/\s+/g, ' ')));
    assert.ok(distances.every((d) => / away\./.test(d)), 'every result should say how far away it is');
    const serviceName = squash(await results.first().innerText());
    t.diagnostic(`service: ${serviceName} (${distances.length} found)`);

    // The service page, opened with the person: "Refer to this service".
    await walk.click(results.first(), 'directory service');
    assert.match(pathOf(page.url()), SERVICE_PATH);
    assert.equal(await walk.h1(), serviceName);
    const referButton = page.getByRole('link', { name: 'Refer to this service', exact: true });
    assert.equal(await referButton.count(), 1, 'the service page opened from a person should offer "Refer to this service"');
    await walk.click(referButton, 'new onward referral');
    assert.equal(await walk.h1(), 'Refer to a service');
    const newReferralUrl = page.url();

    // The consent gate: record consent to share with drug and alcohol services if it is missing.
    const consentLink = page.locator('main .nhsuk-warning-callout').getByRole('link', { name: 'consent page', exact: true });
    if ((await consentLink.count()) > 0) {
      t.diagnostic('no sharing consent yet: recording it on the consent page');
      await walk.click(consentLink, 'consent');
      await recordSharingConsent(walk);
      await walk.open(newReferralUrl, 'new onward referral, after consent');
    }
    assert.equal(await page.locator('main .nhsuk-warning-callout').count(), 0, 'the consent warning should be gone once consent to share is recorded');
    assert.match(squash(await page.locator('main .nhsuk-inset-text').innerText()), /has agreed to share information with .*so this referral can be sent/);
    assert.equal(
      await page.getByLabel('Which need is this referral for?', { exact: true }).locator('option:checked').innerText(),
      NEED_AREA,
      'the referral should be for the need it came from',
    );

    // What to share: contact details and needs, plus the release date.
    const parts = page.getByRole('group', { name: 'What will you share with the service?' });
    await parts.getByLabel(/^Contact details/).check();
    await parts.getByLabel(/^Needs/).check();
    await parts.getByLabel(/^Release date and prison/).check();
    await walk.click(walk.button('Save as a draft'), 'onward referral, draft saved');
    await walk.noErrorSummary('saving the draft');
    const referralPath = pathOf(page.url());
    assert.match(referralPath, REFERRAL_PATH);
    assert.equal(await walk.h1(), `Referral to ${serviceName}`);
    const shared = squash(await page.locator('main dl').innerText());
    assert.match(shared, /Release date and prison/, 'the referral should say the release date is shared');

    // Send (the consent gate passes), accepted, first appointment booked.
    await walk.click(walk.button('Send the referral'), 'onward referral, sent');
    await walk.noErrorSummary('sending the referral');
    await walk.successBanner();
    await walk.sendEmpty(walk.button('The service declined it'), 'declining the referral', ['decline_reason']);
    await walk.click(walk.button('The service accepted it'), 'onward referral, accepted');
    await walk.noErrorSummary('recording that the service accepted it');
    await walk.successBanner();
    await walk.sendEmpty(walk.button('Save the first appointment'), 'booking the first appointment', ['when-day']);
    const when = dateParts(7);
    const whenGroup = page.getByRole('group', { name: 'When is the first appointment?' });
    await whenGroup.getByLabel('Day', { exact: true }).fill(when.day);
    await whenGroup.getByLabel('Month', { exact: true }).fill(when.month);
    await whenGroup.getByLabel('Year', { exact: true }).fill(when.year);
    await page.getByLabel('Time', { exact: true }).fill('10:30');
    await walk.click(walk.button('Save the first appointment'), 'onward referral, first appointment booked');
    await walk.noErrorSummary('saving the first appointment');
    await walk.successBanner();
    assert.equal(pathOf(page.url()), referralPath);
    const main = squash(await page.locator('main').innerText());
    assert.match(main, /First appointment/, 'the referral should show the first appointment');
    assert.equal(await walk.button('They went to the first appointment').count(), 1, 'the next step should be whether they went');

    // Every step is in the history, in order.
    const history = await historyWhats(page);
    const expected = ['Drafted', 'Sent', 'Accepted by the service', 'First appointment booked'];
    assert.deepEqual(history.filter((h) => expected.includes(h)), expected, `the history should list each step in order (got ${history.join(' | ')})`);

    // The letter.
    await walk.click(page.getByRole('link', { name: 'Open the referral letter', exact: true }), 'referral letter');
    assert.match(squash(await page.locator('main').innerText()), new RegExp(serviceName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the letter should name the service');
  } finally {
    t.diagnostic(`worker: ${walk.checked} page(s) checked`);
    await context.close();
  }
  assertNoProblems(walk.problems, 'directory and onward referral as the worker');
});

/** Same-origin links in <main> of the page now shown whose path matches `pattern`, in order, without repeats. */
async function linksMatching(page, pattern) {
  const hrefs = await page.locator('main a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  return [...new Set(hrefs.filter((h) => h && pattern.test(new URL(h, 'http://x').pathname)))];
}

test('the directory and onward-referral pages are accessible for each role that sees them', { timeout: config.ROLE_TEST_TIMEOUT_MS }, async (t) => {
  for (const role of ['worker', 'peer_mentor', 'site_manager']) {
    const account = config.ACCOUNTS.find((a) => a.role === role);
    const context = await newAppContext(browser);
    const page = await context.newPage();
    const walk = new Walk(t, page);
    try {
      await signIn(page, account);
      // The directory: empty search, a search near a postcode, bad input refused by the fields, the site's list.
      await walk.open('/directory', `${role}: directory`);
      await walk.open(`/directory?term=substance-misuse&postcode=${encodeURIComponent(POSTCODE)}&radius=${RADIUS}`, `${role}: directory search`);
      const services = await linksMatching(page, SERVICE_PATH);
      assert.ok(services.length > 0, `${role}: the search near ${POSTCODE} should find services`);
      await walk.open('/directory?postcode=not+a+postcode&radius=999', `${role}: directory search with bad input`);
      assert.match(await page.title(), /^Error: /, `${role}: a bad postcode and distance should be refused`);
      assert.ok((await page.locator('#postcode-error').count()) === 1 && (await page.locator('#radius-error').count()) === 1, `${role}: the errors should be next to the postcode and the distance`);
      await walk.open(services[0], `${role}: directory service`);
      await walk.open('/directory/site-list', `${role}: the site's list of services`);
      // Onward referrals across the site, the measures, and a few referrals with their letters and episode lists.
      await walk.open('/onward-referrals', `${role}: onward referrals`);
      const referrals = (await linksMatching(page, REFERRAL_PATH)).slice(0, 3);
      assert.ok(referrals.length > 0, `${role}: the demo data has onward referrals to list`);
      await walk.open('/onward-referrals/measures', `${role}: onward referral measures`);
      for (const [i, href] of referrals.entries()) {
        await walk.open(href, `${role}: onward referral ${i + 1}`);
        const letter = page.getByRole('link', { name: 'Open the referral letter', exact: true });
        if ((await letter.count()) === 1) await walk.click(letter, `${role}: referral letter ${i + 1}`);
        await walk.open(href.replace(/\/[0-9a-f-]{36}$/, ''), `${role}: the episode's onward referrals ${i + 1}`);
      }
      const start = page.getByRole('link', { name: 'Refer to a service', exact: true });
      if ((await start.count()) > 0) {
        await walk.click(start.first(), `${role}: choosing a service to refer to`);
        assert.equal(await walk.h1(), 'Refer to a service');
      }
    } finally {
      t.diagnostic(`${role}: ${walk.checked} page(s) checked`);
      await context.close();
    }
    assertNoProblems(walk.problems, `directory and onward referral pages as ${role.replace('_', ' ')}`);
  }
});

test('the public Open Referral feed lists services as JSON with a CORS header', async () => {
  const response = await fetch(new URL('/openreferral/services', config.baseUrl()), { headers: { Origin: 'https://example.org' } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') || '', /^application\/json/);
  const cors = response.headers.get('access-control-allow-origin');
  assert.ok(cors === '*' || cors === 'https://example.org', `the feed should allow other origins (got ${JSON.stringify(cors)})`);
  const body = await response.json();
  assert.ok(Array.isArray(body.contents), 'the feed should be a page of services with "contents"');
  assert.ok(body.contents.length > 0, 'the feed should list the demo services');
  for (const s of body.contents) {
    assert.match(String(s.id), /^[0-9a-f-]{36}$/, 'every service should have an id');
    assert.ok(s.name, 'every service should have a name');
  }
});
