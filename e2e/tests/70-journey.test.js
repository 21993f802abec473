'use strict';

// The care-after-custody journey, as the people doing it see it: someone asks
// for support through the public form; the RECONNECT worker of that prison's
// site triages the referral, records consent, allocates, meets them in prison,
// completes the release-day plan, marks them released, logs a missed
// appointment and a rescheduled one, steps support down and closes the episode.
// Every page on the way is checked (status, <h1>, security headers, axe-core),
// and after each step the test reads what the person would read: the success
// banner, the state tag and the history.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const config = require('../lib/config');
const { launchBrowser, newAppContext, watchPage } = require('../lib/browser');
const { htmlPageProblems, assertNoProblems } = require('../lib/checks');
const { signIn, pathOf } = require('../lib/app');

// A prison served by RECONNECT Surrey, whose demo worker (Priya Raman) triages.
const SURREY_PRISON = 'HMP High Down';
const REFERENCE = /RCN-[2-9A-Z]{4}-[2-9A-Z]{4}/;
const GIVEN = 'Jordan';
const FAMILY = 'Whitcombe';
const FULL_NAME = `${GIVEN} ${FAMILY}`;
const DAY_MS = 24 * 60 * 60 * 1000;
// The same answers sent twice give the same referral back, so a run against a
// server that has seen this test before uses another date of birth.
const BIRTH_DAY = String(1 + (Math.floor(Date.now() / 1000) % 28));
const BIRTH_MONTH = String(1 + (Math.floor(Date.now() / 28_000) % 12));

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Day, month, year and 24-hour time of an instant in UK time, as a person would type them. */
function ukParts(date) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      day: 'numeric',
      month: 'numeric',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return { day: parts.day, month: parts.month, year: parts.year, time: `${parts.hour}:${parts.minute}` };
}

/**
 * One person's walk through the service in one browser page: every page it
 * lands on is checked, and the problems are gathered for one report at the end.
 */
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

  /** Opens a path directly (as from the menu or a bookmark) and checks the page. */
  async open(path, where = path) {
    const response = await this.page.goto(path);
    await this.check(response, where);
  }

  /** Clicks a link or a submit button that loads a new page, then checks that page. */
  async click(locator, where) {
    const [response] = await Promise.all([this.page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
    await this.check(response, where);
  }

  link(name) {
    return this.page.getByRole('link', { name, exact: true });
  }

  button(name) {
    return this.page.getByRole('button', { name, exact: true });
  }

  group(name, within = this.page) {
    return within.getByRole('group', { name, exact: true });
  }

  /** Types a date into the NHS.UK date input whose legend is `legend`. */
  async fillDate(legend, parts, within = this.page) {
    const group = this.group(legend, within);
    await group.getByLabel('Day', { exact: true }).fill(parts.day);
    await group.getByLabel('Month', { exact: true }).fill(parts.month);
    await group.getByLabel('Year', { exact: true }).fill(parts.year);
  }

  async successBanner() {
    const banner = this.page.locator('.nhsuk-notification-banner--success');
    assert.equal(await banner.count(), 1, `expected a success banner on ${this.page.url()}`);
    return (await banner.innerText()).replace(/\s+/g, ' ').trim();
  }

  async noErrorSummary(step) {
    const summary = this.page.locator('.nhsuk-error-summary');
    if ((await summary.count()) > 0) {
      assert.fail(`${step}: the page shows an error summary: ${(await summary.innerText()).replace(/\s+/g, ' ')}`);
    }
  }

  /**
   * Sends the form on the page without answers (pressing `button`) and checks the
   * refusal a person sees: the title starts "Error:", an error summary whose links
   * each lead to a field on the page, and a message next to the fields.
   */
  async sendEmpty(button, where) {
    await this.click(this.button(button), `${where}, sent without answers`);
    const summary = this.page.locator('.nhsuk-error-summary');
    assert.equal(await summary.count(), 1, `${where}: sending it empty should show an error summary (on ${this.page.url()})`);
    assert.match(await this.page.title(), /^Error: /, `${where}: the title should start with "Error: "`);
    const targets = await summary
      .locator('a[href^="#"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href').slice(1)));
    assert.ok(targets.length > 0, `${where}: the error summary should link to the fields to fix`);
    for (const id of targets) {
      const field = this.page.locator(`[id="${id}"]`);
      assert.equal(await field.count(), 1, `${where}: the error summary links to #${id}, which is not on the page`);
      assert.ok(
        await field.evaluate((el) => el.matches('input, select, textarea, .nhsuk-date-input')),
        `${where}: the error summary link #${id} should lead to a field`,
      );
    }
    const messages = await this.page.locator('.nhsuk-error-message').count();
    assert.ok(messages >= 1, `${where}: the fields should have error messages next to them`);
    this.t.diagnostic(`${where}: refused with ${targets.length} error(s), each linked to its field`);
  }

  /** The episode's state tag in the summary list ("State" row). */
  async stateTag() {
    const row = this.page.locator('.nhsuk-summary-list__row', {
      has: this.page.locator('dt', { hasText: /^State$/ }),
    });
    return (await row.first().locator('.nhsuk-tag').innerText()).trim();
  }

  async historyTitles() {
    return (await this.page.locator('.app-timeline__title').allInnerTexts()).map((s) => s.trim());
  }

  async mainText() {
    return this.page.locator('main').innerText();
  }
}

/** Sends a self-referral through the public form, signed out, and returns the reference shown. */
async function sendSelfReferral(t, release) {
  const context = await newAppContext(browser);
  try {
    const walk = new Walk(t, await context.newPage());
    const { page } = walk;
    await walk.open('/refer', 'the public referral form');
    await walk.sendEmpty('Send request', 'the public referral form');
    await page.getByLabel('I am asking for support for myself', { exact: true }).check();
    await page.getByLabel('First name', { exact: true }).fill(GIVEN);
    await page.getByLabel('Last name', { exact: true }).fill(FAMILY);
    await walk.fillDate('Date of birth', { day: BIRTH_DAY, month: BIRTH_MONTH, year: '1991' });
    await page.getByLabel('Which prison are they in?', { exact: true }).selectOption({ label: SURREY_PRISON });
    await walk.fillDate('When will they leave prison? (optional)', release);
    await page.getByLabel('Drugs or alcohol', { exact: true }).check();
    await page.getByLabel('Registering with a GP or dentist', { exact: true }).check();
    await page.getByLabel('Through the prison (for example, a letter or a visit)', { exact: true }).check();
    await walk.group('Please confirm').getByRole('checkbox').check();
    await walk.click(walk.button('Send request'), 'the referral confirmation');
    await walk.noErrorSummary('sending the referral');
    assert.match(await page.locator('h1').innerText(), /Thank you/);
    const reference = (await page.locator('#reference').innerText()).trim();
    assert.match(reference, REFERENCE, `the confirmation should show a reference (got ${JSON.stringify(reference)})`);
    assertNoProblems(walk.problems, 'the public referral form');
    t.diagnostic(`public form: ${walk.checked} page(s) checked, reference ${reference}`);
    return reference;
  } finally {
    await context.close();
  }
}

test('a worker takes a self-referral from triage to the end of support', { timeout: config.ROLE_TEST_TIMEOUT_MS }, async (t) => {
  const now = Date.now();
  // "Today" for the dates typed in: the UK date two hours ago, which is today
  // (or, just after midnight, yesterday) and never after today by the UK or the
  // UTC clock, whichever one the server checks "today or earlier" against.
  const today = ukParts(new Date(now - 2 * 60 * 60 * 1000));
  const earlier = ukParts(new Date(now - 20 * 60 * 1000));
  const inThreeWeeks = ukParts(new Date(now + 21 * DAY_MS));
  const inOneWeek = ukParts(new Date(now + 7 * DAY_MS));
  const inNineDays = ukParts(new Date(now + 9 * DAY_MS));

  const reference = await sendSelfReferral(t, inThreeWeeks);

  const worker = config.ACCOUNTS.find((a) => a.role === 'worker');
  const context = await newAppContext(browser);
  const page = await context.newPage();
  const walk = new Walk(t, page);
  try {
    await signIn(page, worker);
    await walk.check(await page.reload(), 'home');

    // Triage: find the referral by its reference and accept it as a new record.
    await walk.click(page.locator('header nav').getByRole('link', { name: 'Referrals to triage', exact: true }), 'the triage queue');
    assert.ok((await walk.mainText()).includes(reference), `the triage queue should list ${reference}`);
    await page.getByLabel('Find a referral by its reference', { exact: true }).fill(reference);
    await walk.click(walk.button('Find referral'), 'the referral');
    assert.match(pathOf(page.url()), /^\/triage\/[0-9a-f-]{36}$/, `the lookup should open the referral (ended on ${page.url()})`);
    assert.equal((await page.locator('h1').innerText()).trim(), FULL_NAME);
    await walk.sendEmpty('Save decision', 'the triage decision');
    await page.getByLabel('Accept, and make a new record for them', { exact: true }).check();
    await page.getByLabel('Prison number', { exact: true }).fill('A7321JW');
    await walk.click(walk.button('Save decision'), 'the referral, accepted');
    await walk.noErrorSummary('accepting the referral');
    assert.match(await walk.successBanner(), /Referral accepted/);
    await walk.click(walk.link('Go to their record'), 'their record');
    assert.match(pathOf(page.url()), /^\/people\/[0-9a-f-]{36}$/);
    const personPath = pathOf(page.url());
    assert.equal((await page.locator('h1').innerText()).trim(), FULL_NAME);
    assert.equal(await walk.stateTag(), 'Accepted');
    assert.ok((await walk.historyTitles()).includes('Referral accepted'), 'the history should say the referral was accepted');
    await walk.click(page.locator('header nav').getByRole('link', { name: 'Unallocated', exact: true }), 'unallocated');
    assert.ok((await walk.mainText()).includes(FAMILY), `${FULL_NAME} should wait in the unallocated list`);

    // The other changes on their record open and check out (nothing is changed here).
    await walk.open(personPath, 'their record');
    await walk.click(walk.link('Correct their details'), 'correcting their details');
    await walk.click(walk.link('Back to their record'), 'their record');
    await walk.click(walk.link('Change expected release date'), 'changing the release date');
    await walk.click(walk.link('Cancel'), 'their record');
    await walk.click(walk.link('Record that they want to stop'), 'recording that they want to stop');
    await walk.click(walk.link('Cancel'), 'their record');
    await walk.click(walk.link('Transfer to another site'), 'transferring to another site');
    await walk.click(walk.link('Cancel'), 'their record');

    // Consent to take part.
    await walk.click(walk.link('consent'), 'consent');
    await walk.sendEmpty('Record consent to take part', 'consent to take part');
    await walk.fillDate('When did they agree to take part?', today);
    await page.getByLabel('Verbally (in person or by phone)', { exact: true }).check();
    await page.getByLabel('They have chosen to take part, and know they can stop at any time', { exact: true }).check();
    await walk.click(walk.button('Record consent to take part'), 'consent, recorded');
    await walk.noErrorSummary('recording consent');
    assert.match(await walk.successBanner(), /Consent to take part recorded/);
    const consentRows = page.locator('table', { has: page.locator('caption', { hasText: 'Consents recorded' }) });
    assert.equal(await consentRows.count(), 1, 'the consent should be listed');
    assert.match(await consentRows.innerText(), /take part/i);
    await walk.click(consentRows.getByRole('link', { name: /^Withdraw/ }).first(), 'withdrawing consent');
    await walk.click(walk.link('Back to consent'), 'consent');

    // Allocate: the worker takes them on.
    await walk.click(walk.link('Who supports them'), 'who supports them');
    const workerSelect = page.getByLabel('RECONNECT worker', { exact: true });
    const workerOption = (await workerSelect.locator('option').allInnerTexts()).find((o) => o.startsWith('Priya Raman'));
    assert.ok(workerOption, 'the demo worker should be offered as their RECONNECT worker');
    await workerSelect.selectOption({ label: workerOption });
    await page.getByLabel('Handover note or reason for the change', { exact: true }).fill('Met at triage; Priya works with High Down.');
    await walk.click(walk.button('Save'), 'who supports them, allocated');
    await walk.noErrorSummary('allocating');
    assert.match(await walk.successBanner(), /Worker allocated/);
    const workerRow = page.locator('.nhsuk-summary-list__row', { has: page.locator('dt', { hasText: /^RECONNECT worker$/ }) });
    assert.match(await workerRow.innerText(), /Priya Raman/);
    await walk.open('/caseload', 'my caseload');
    assert.ok((await walk.mainText()).includes(FAMILY), `${FULL_NAME} should be on the worker's caseload`);
    await walk.open('/unallocated', 'unallocated');
    assert.ok(!(await walk.mainText()).includes(FAMILY), `${FULL_NAME} should have left the unallocated list`);

    // Start working with them in prison, and log the visit.
    await walk.open(personPath, 'their record');
    await walk.click(walk.button('Start support before release'), 'start support before release');
    await walk.click(walk.button('Start support before release'), 'their record, engaged');
    await walk.noErrorSummary('starting support');
    assert.equal(await walk.stateTag(), 'Engaged before release');
    await walk.click(walk.link('Contacts'), 'contacts');
    await walk.sendEmpty('Save contact', 'logging a contact');
    await page.getByLabel('In-prison visit', { exact: true }).check();
    await walk.fillDate('When was it?', earlier);
    await page.getByLabel('Time', { exact: true }).fill(earlier.time);
    await page.getByLabel('Yes, they took part (a conversation, a visit, a reply)', { exact: true }).check();
    await page
      .getByLabel('What happened or was discussed?', { exact: true })
      .fill('First visit on the wing. Talked about the GP and a place to stay after release.');
    await walk.click(walk.button('Save contact'), 'contacts, logged');
    await walk.noErrorSummary('logging the contact');
    assert.match(await walk.successBanner(), /Contact saved/);
    assert.match(await walk.mainText(), /First visit on the wing/);
    await walk.click(page.locator('main table').getByRole('link', { name: /^Correct/ }).first(), 'correcting a contact');
    await walk.click(walk.link('Back to contacts'), 'contacts');

    // What they need, an assessment, their plan and a case note.
    await walk.click(walk.link('Back to their episode'), 'the episode');
    await walk.click(walk.link('Needs'), 'needs');
    await walk.sendEmpty('Add need', 'adding a need');
    await page.getByLabel('Area of need', { exact: true }).selectOption({ label: 'Accommodation' });
    await page.getByLabel('Identified', { exact: true }).check();
    await page.getByLabel('Who is responsible?', { exact: true }).selectOption({ label: 'RECONNECT' });
    await page.getByLabel('Note (optional)', { exact: true }).fill('No address yet for release day.');
    await walk.click(walk.button('Add need'), 'needs, added');
    await walk.noErrorSummary('adding a need');
    assert.match(await walk.successBanner(), /Need added/);
    await walk.click(page.locator('main table').getByRole('link', { name: /Accommodation/ }).first(), 'the need');
    await walk.click(walk.link('Back to their needs'), 'needs');
    await walk.click(walk.link('Back to the episode'), 'the episode');

    await walk.click(walk.link('assessments'), 'assessments');
    await walk.click(walk.link('Record an assessment'), 'a new assessment');
    await walk.fillDate('Date of the assessment', today);
    await page.locator('#score-accommodation').selectOption({ label: '3 – A lot of support needed' });
    await page.locator('#score-substance_use').selectOption({ label: '2 – Some support needed' });
    await walk.click(walk.button('Save assessment'), 'assessments, saved');
    await walk.noErrorSummary('saving the assessment');
    assert.match(await walk.successBanner(), /Assessment recorded/);
    await walk.click(walk.link('Back to the episode'), 'the episode');

    await walk.click(walk.link('plan'), 'the plan');
    await walk.sendEmpty('Add goal', 'adding a goal');
    await page.getByLabel('Their goal, in their own words', { exact: true }).fill('I want a place of my own and to stay clean.');
    await walk.click(walk.button('Add goal'), 'the plan, goal added');
    await walk.noErrorSummary('adding a goal');
    await page.getByLabel('What needs to be done?', { exact: true }).fill('Ask the council for a housing options appointment');
    await page.getByLabel('Who will do it?', { exact: true }).selectOption({ label: 'RECONNECT worker' });
    await walk.fillDate('When is it due?', inOneWeek);
    await page.getByLabel('Which goal is it towards? (optional)', { exact: true }).selectOption({ index: 1 });
    await walk.click(walk.button('Add action'), 'the plan, action added');
    await walk.noErrorSummary('adding an action');
    assert.match(await walk.mainText(), /Ask the council for a housing options appointment/);
    await walk.click(page.locator('main').getByRole('link', { name: /Ask the council/ }).first(), 'the plan action');
    await walk.click(walk.link('Back to the plan'), 'the plan');
    await walk.click(walk.link('Back to the episode'), 'the episode');

    await walk.click(walk.link('case notes'), 'case notes');
    await walk.sendEmpty('Add note', 'adding a case note');
    await page.getByLabel('Note', { exact: true }).fill('Jordan asked for help with a bank account before release.');
    await walk.click(walk.button('Add note'), 'case notes, added');
    await walk.noErrorSummary('adding a case note');
    assert.match(await walk.mainText(), /help with a bank account/);
    await walk.click(walk.link('Correct this note'), 'correcting a case note');
    await walk.click(walk.link('Back to the notes'), 'case notes');

    // The release-day plan, completed.
    await walk.click(walk.link('Back to their episode'), 'the episode');
    await walk.click(walk.link('release-day plan'), 'the release-day plan');
    await walk.click(walk.link('Change the release-day plan'), 'changing the release-day plan');
    await page.getByLabel('Release time (optional)', { exact: true }).fill('08:30');
    const items = page.locator('form fieldset');
    const itemCount = await items.count();
    assert.ok(itemCount >= 5, `the release-day plan should list its items (found ${itemCount})`);
    for (let i = 0; i < itemCount; i += 1) {
      await items.nth(i).getByLabel('Confirmed', { exact: true }).check();
    }
    await page
      .getByLabel('Who meets them at the gate: detail (optional)', { exact: true })
      .fill('Priya meets them at the gate at 08:30.');
    await walk.click(walk.button('Save release-day plan'), 'the release-day plan, saved');
    await walk.noErrorSummary('saving the release-day plan');
    assert.match(await walk.successBanner(), /Release-day plan saved/);
    const checklist = page.locator('table', { has: page.locator('caption', { hasText: 'Checklist for the day' }) });
    const statuses = await checklist.locator('tbody .nhsuk-tag').allInnerTexts();
    assert.equal(statuses.length, itemCount);
    assert.ok(statuses.every((s) => s.trim() === 'Confirmed'), `every item should be confirmed, got ${statuses.join(', ')}`);

    // Released today.
    await walk.click(walk.link('Back to the episode'), 'the episode');
    await walk.click(walk.link('Back to their record'), 'their record');
    await walk.click(walk.button('Mark as released'), 'mark as released');
    await walk.sendEmpty('Mark as released', 'marking them released');
    await walk.fillDate('When were they released?', today);
    await walk.click(walk.button('Mark as released'), 'their record, released');
    await walk.noErrorSummary('marking them released');
    assert.equal(await walk.stateTag(), 'Released');
    await walk.click(walk.button('Start community support'), 'start community support');
    await walk.click(walk.button('Start community support'), 'their record, in the community');
    assert.equal(await walk.stateTag(), 'Community support');

    // Appointments: one missed, one rescheduled.
    await walk.click(walk.link('appointments'), 'appointments');
    await walk.sendEmpty('Book appointment', 'booking an appointment');
    await page.getByLabel('What is it, and who is it with?', { exact: true }).fill('Drug and alcohol service first assessment');
    await page.getByLabel('Where is it?', { exact: true }).fill('Surrey recovery hub, Guildford');
    await walk.fillDate('Date', earlier);
    await page.getByLabel('Time', { exact: true }).fill(earlier.time);
    await walk.click(walk.button('Book appointment'), 'appointments, booked (20 minutes ago)');
    await walk.noErrorSummary('booking the first appointment');
    assert.match(await walk.successBanner(), /Appointment booked/);
    const toRecord = page.locator('table', { has: page.locator('caption', { hasText: 'Attendance still to record' }) });
    await walk.click(toRecord.getByRole('link', { name: /^Record attendance/ }).first(), 'recording attendance');
    await walk.sendEmpty('Save attendance', 'recording attendance');
    await page.getByLabel('Did not attend', { exact: true }).check();
    await page.getByLabel('Travel or other practical problems', { exact: true }).check();
    await walk.click(walk.button('Save attendance'), 'appointments, missed one recorded');
    await walk.noErrorSummary('recording the missed appointment');
    assert.match(await walk.successBanner(), /Attendance recorded/);
    const earlierTable = page.locator('table', { has: page.locator('caption', { hasText: 'Earlier appointments' }) });
    assert.match(await earlierTable.innerText(), /Drug and alcohol service first assessment[\s\S]*Did not attend/);

    await page.getByLabel('What is it, and who is it with?', { exact: true }).fill('GP registration at Guildford Health Centre');
    await page.getByLabel('Where is it?', { exact: true }).fill('Guildford Health Centre, Stoke Road');
    await walk.fillDate('Date', inOneWeek);
    await page.getByLabel('Time', { exact: true }).fill('14:30');
    await walk.click(walk.button('Book appointment'), 'appointments, booked (next week)');
    await walk.noErrorSummary('booking the second appointment');
    const comingUp = page.locator('table', { has: page.locator('caption', { hasText: 'Coming up' }) });
    assert.match(await comingUp.innerText(), /GP registration at Guildford Health Centre/);
    await walk.click(comingUp.getByRole('link', { name: /^Reschedule/ }).first(), 'rescheduling');
    await walk.fillDate('New date', inNineDays);
    await page.getByLabel('New time', { exact: true }).fill('11:00');
    await page.getByLabel('The person', { exact: true }).check();
    await page.getByLabel('Why is it changing?', { exact: true }).fill('They have a job interview that afternoon.');
    await walk.click(walk.button('Reschedule appointment'), 'appointments, rescheduled');
    await walk.noErrorSummary('rescheduling');
    assert.match(await walk.successBanner(), /Appointment rescheduled/);
    const appointmentsText = await walk.mainText();
    assert.match(appointmentsText, /Rescheduled/, 'the old appointment should be kept, marked as rescheduled');
    assert.match(await comingUp.innerText(), /GP registration at Guildford Health Centre[\s\S]*Booked/);

    await walk.click(page.locator('header nav').getByRole('link', { name: 'Appointments', exact: true }), 'the appointments calendar');

    // Stepping down, then closing: support completed.
    await walk.open(personPath, 'their record');
    await walk.click(walk.link('Summary and history'), 'the episode');
    const episodeHistory = await walk.historyTitles();
    t.diagnostic(`episode history: ${episodeHistory.join(' | ')}`);
    await walk.click(walk.link('Back to their record'), 'their record');
    await walk.click(walk.button('Begin stepping down'), 'begin stepping down');
    await walk.click(walk.button('Begin stepping down'), 'their record, stepping down');
    assert.equal(await walk.stateTag(), 'Stepping down');
    await walk.click(walk.link('Close episode'), 'close the episode');
    await walk.sendEmpty('Close episode', 'closing the episode');
    await page.getByLabel('Support completed', { exact: true }).check();
    await page.getByLabel('Details', { exact: true }).fill('Registered with a GP and settled in their flat.');
    await walk.click(walk.button('Close episode'), 'their record, closed');
    await walk.noErrorSummary('closing the episode');
    assert.match(await walk.mainText(), /not being supported at the moment/);
    const earlierEpisodes = page.locator('table', { has: page.locator('caption', { hasText: 'Earlier episodes' }) });
    assert.match(await earlierEpisodes.innerText(), /Closed/);
    await walk.click(earlierEpisodes.getByRole('link').first(), 'the closed episode');
    assert.equal(await walk.stateTag(), 'Closed');
    const history = await walk.historyTitles();
    t.diagnostic(`closed episode history: ${history.join(' | ')}`);
    const story = [
      /^Episode closed: Support completed$/,
      /^Stepping down started$/,
      /^Community support started$/,
      /^Marked as released on /,
      /^Support before release started$/,
      /^Referral accepted$/,
      new RegExp(`^Referred by: the person themselves \\(referral ${reference}\\)$`),
    ];
    assert.equal(history.length, story.length, `the history should tell the whole story, got ${history.join(' | ')}`);
    story.forEach((line, i) => assert.match(history[i], line, `history line ${i + 1}, newest first`));
  } finally {
    t.diagnostic(`worker: ${walk.checked} page(s) checked`);
    await context.close();
  }
  assertNoProblems(walk.problems, 'the journey');
});

// The other people at the site see the same episode pages with their own rights
// (a peer mentor reads and adds to them, a site manager oversees): each part of
// one of their people's current episode is checked for them too.
for (const role of ['peer_mentor', 'site_manager']) {
  test(`a ${role.replace('_', ' ')} opens every part of an episode`, { timeout: config.ROLE_TEST_TIMEOUT_MS }, async (t) => {
    const account = config.ACCOUNTS.find((a) => a.role === role);
    const context = await newAppContext(browser);
    const page = await context.newPage();
    const walk = new Walk(t, page);
    try {
      await signIn(page, account);
      await walk.open('/people', 'people');
      const people = await page.locator('main table a[href^="/people/"]').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      assert.ok(people.length > 0, `${role} should see people at their site`);
      let sections = [];
      for (const href of people.slice(0, 10)) {
        await walk.open(href, 'their record');
        sections = await page
          .locator('nav[aria-label="Working with them"] a')
          .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
        if (sections.length > 0) break;
      }
      assert.ok(sections.length > 0, `${role}: none of the first people listed has a current episode`);
      for (const href of sections) {
        await walk.open(href, `episode part ${href.split('/').slice(5).join('/') || 'summary'}`);
      }
    } finally {
      t.diagnostic(`${role}: ${walk.checked} page(s) checked`);
      await context.close();
    }
    assertNoProblems(walk.problems, `${role} reading an episode`);
  });
}

// The other forms a worker fills in from scratch, sent empty: each refusal is
// checked like every other page, and says what to fix next to each field.
test('a worker sends the staff forms empty and is shown what to fix', { timeout: config.TEST_TIMEOUT_MS }, async (t) => {
  const account = config.ACCOUNTS.find((a) => a.role === 'worker');
  const context = await newAppContext(browser);
  const page = await context.newPage();
  const walk = new Walk(t, page);
  try {
    await signIn(page, account);
    await walk.open('/triage/new', 'adding a referral');
    await walk.sendEmpty('Add referral', 'adding a referral');
    await walk.open('/people/new', 'adding a person');
    await walk.sendEmpty('Add person', 'adding a person');
  } finally {
    await context.close();
  }
  assertNoProblems(walk.problems, 'staff forms sent empty');
});
