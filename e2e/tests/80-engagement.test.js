'use strict';

// Engagement (issue 4), as the staff of a site see it: a worker opens "Needs
// attention", sees who is wavering or disengaged and why, opens someone with a
// step-up that is still in force, records what was done and the outcome for one
// of its suggested actions, and raises (then clears) a concern; a peer mentor
// and the site manager see the list too, and the site manager opens the site's
// engagement rules. Every page on the way (and each form sent empty once) is
// checked like the crawler's pages: status, <h1>, security headers, ids, axe-core.
// Nothing depends on which person the demo data lists first: the test picks
// from what the page shows.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const config = require('../lib/config');
const { launchBrowser, newAppContext, watchPage } = require('../lib/browser');
const { htmlPageProblems, assertNoProblems } = require('../lib/checks');
const { signIn, pathOf } = require('../lib/app');

const ENGAGEMENT_PATH = /^\/people\/[0-9a-f-]{36}\/episodes\/[0-9a-f-]{36}\/engagement$/;
const LEVELS = ['Engaged', 'Not yet in contact', 'Wavering', 'Disengaged'];
const ACTIVE_STEP_UP = ['Open', 'Escalated to the site manager'];
// Unique per run, so a server that has seen this test before still proves it.
const STAMP = new Date().toISOString().slice(0, 19).replace('T', ' ');
const WHAT_DONE = `Rang him twice and left a voicemail (e2e ${STAMP})`;
const OUTCOME = `He rang back and agreed to meet on Thursday (e2e ${STAMP})`;
const CONCERN = `Said he has lost his phone and may be hard to reach (e2e ${STAMP})`;
const CLEARED = `Has a new phone and sent his number (e2e ${STAMP})`;

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

  navLink(name) {
    return this.page.locator('header nav').getByRole('link', { name, exact: true });
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

/** The rows of the needs-attention table: name, href, level, reasons, rule, step-up. */
async function attentionRows(page) {
  const table = page.locator('main table', {
    has: page.locator('caption', { hasText: 'People who need attention' }),
  });
  assert.equal(await table.count(), 1, 'Needs attention should show its table of people (the demo data has people who need attention)');
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((tr) => {
      const cells = [...tr.querySelectorAll('td')];
      const link = cells[0]?.querySelector('a');
      return {
        name: (link?.textContent || '').trim(),
        href: link?.getAttribute('href') || '',
        level: (cells[1]?.querySelector('.nhsuk-tag')?.textContent || '').trim(),
        reasons: [...(cells[2]?.querySelectorAll('li') || [])].map((li) => li.textContent.trim()).filter(Boolean),
        rule: (cells[2]?.querySelector('.nhsuk-body-s')?.textContent || '').trim(),
        stepUp: (cells[4]?.textContent || '').trim(),
      };
    }),
  );
}

/** Opens Needs attention from the navigation and checks what it lists. */
async function openAttention(walk, who) {
  const link = walk.navLink('Needs attention');
  assert.equal(await link.count(), 1, `${who} should have "Needs attention" in the navigation`);
  await walk.click(link, `${who}: needs attention`);
  assert.equal(pathOf(walk.page.url()), '/attention');
  assert.equal(squash(await walk.page.locator('h1').innerText()), 'Needs attention');
  const rows = await attentionRows(walk.page);
  assert.ok(rows.length > 0, `${who}: Needs attention should list people`);
  for (const r of rows) {
    assert.ok(r.name, `${who}: every row should name the person`);
    assert.match(r.href, ENGAGEMENT_PATH, `${who}: ${r.name} should link to their engagement page`);
    assert.ok(LEVELS.includes(r.level), `${who}: ${r.name} should have a level tag (got ${JSON.stringify(r.level)})`);
    assert.ok(r.reasons.length > 0, `${who}: ${r.name} should have reasons`);
    assert.match(r.rule, /rules? \(?version \d+/i, `${who}: ${r.name} should say which rule version`);
  }
  assert.ok(
    rows.some((r) => r.level === 'Wavering' || r.level === 'Disengaged'),
    `${who}: someone should be wavering or disengaged (levels: ${rows.map((r) => r.level).join(', ')})`,
  );
  walk.t.diagnostic(`${who}: ${rows.length} people need attention (${rows.map((r) => `${r.level}/${r.stepUp}`).join(', ')})`);
  return rows;
}

/** The "Suggested actions" rows: action, what was done. */
async function suggestedActions(page) {
  const table = page.locator('main table', { has: page.locator('caption', { hasText: 'Suggested actions' }) });
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((tr) => {
      const cells = [...tr.querySelectorAll('td')];
      return { label: (cells[0]?.textContent || '').trim(), done: (cells[3]?.textContent || '').replace(/\s+/g, ' ').trim() };
    }),
  );
}

test('a worker sees who needs attention, records a step-up action and raises a concern', { timeout: config.ROLE_TEST_TIMEOUT_MS }, async (t) => {
  const worker = config.ACCOUNTS.find((a) => a.role === 'worker');
  const context = await newAppContext(browser);
  const page = await context.newPage();
  const walk = new Walk(t, page);
  try {
    await signIn(page, worker);
    await walk.check(await page.reload(), 'home');
    const rows = await openAttention(walk, 'worker');

    // Someone whose step-up is still in force, and whose page lets the worker record on it.
    const candidates = rows.filter((r) => ACTIVE_STEP_UP.includes(r.stepUp));
    assert.ok(candidates.length > 0, `a row should have an open or escalated step-up (got ${rows.map((r) => r.stepUp).join(', ')})`);
    let chosen = null;
    for (const r of candidates) {
      await walk.open('/attention', 'worker: needs attention');
      await walk.click(page.locator('main table').getByRole('link', { name: r.name, exact: true }).first(), `engagement of ${r.level.toLowerCase()} person`);
      if ((await walk.button('Save what was done').count()) === 1) {
        chosen = r;
        break;
      }
    }
    assert.ok(chosen, `the worker should be able to record on one of the open step-ups (${candidates.map((r) => r.name).join(', ')})`);
    const enPath = pathOf(page.url());
    assert.match(enPath, ENGAGEMENT_PATH);
    t.diagnostic(`chose ${chosen.name} (${chosen.level}, step-up ${chosen.stepUp})`);

    // The page: level, reasons, the rule version, the step-up and its suggested actions.
    assert.equal(squash(await page.locator('h1').innerText()), 'Engagement');
    const levelTag = squash(await page.locator('main h1 + p .nhsuk-tag').innerText());
    assert.ok(LEVELS.includes(levelTag), `the page should show a level tag (got ${JSON.stringify(levelTag)})`);
    const main = await page.locator('main').innerText();
    assert.match(main, /Worked out with (the default rules|rule version \d+) of /, 'the page should say which rules worked the level out');
    assert.ok((await page.locator('main h2', { hasText: /^Step-up: / }).count()) === 1, 'the page should show the step-up in force');
    const before = await suggestedActions(page);
    assert.ok(before.length > 0, 'the step-up should suggest actions');
    t.diagnostic(`suggested actions: ${before.map((a) => `${a.label} [${a.done.slice(0, 30)}]`).join(' | ')}`);
    const target = before.find((a) => a.done === 'Nothing yet') || before[0];

    // Record what was done: empty first, then one suggested action with its outcome.
    await walk.sendEmpty(walk.button('Save what was done'), 'recording what was done', ['action', 'what_done', 'outcome']);
    const actionGroup = page.getByRole('group', { name: 'Which action?', exact: true });
    await actionGroup.getByLabel(target.label, { exact: true }).check();
    await page.getByLabel('What was done?', { exact: true }).fill(WHAT_DONE);
    await page.getByLabel('What was the outcome?', { exact: true }).fill(OUTCOME);
    await walk.click(walk.button('Save what was done'), 'engagement, action recorded');
    await walk.noErrorSummary('recording what was done');
    assert.equal(pathOf(page.url()), enPath);
    assert.match(await walk.successBanner(), /What was done has been recorded/);
    const after = await suggestedActions(page);
    const done = after.find((a) => a.label === target.label);
    assert.ok(done, `"${target.label}" should still be listed`);
    assert.notEqual(done.done, 'Nothing yet', `"${target.label}" should now show what was done`);
    assert.ok(done.done.includes(WHAT_DONE), `"${target.label}" should show what was done (got ${JSON.stringify(done.done)})`);
    assert.ok(done.done.includes(`Outcome: ${OUTCOME}`), `"${target.label}" should show the outcome (got ${JSON.stringify(done.done)})`);

    // Step down, sent empty only (the step-up stays in force).
    await walk.sendEmpty(walk.button('Step down'), 'stepping down', ['record']);

    // A concern: empty first, then raised, listed, and cleared (it stays listed).
    await walk.open(enPath, 'engagement');
    await walk.sendEmpty(walk.button('Raise concern'), 'raising a concern', ['note']);
    await page.getByLabel('What are you worried about?', { exact: true }).fill(CONCERN);
    await walk.click(walk.button('Raise concern'), 'engagement, concern raised');
    await walk.noErrorSummary('raising a concern');
    assert.match(await walk.successBanner(), /Concern raised/);
    const concerns = page.locator('main table', { has: page.locator('caption', { hasText: 'Concerns' }) });
    const concernRow = concerns.locator('tbody tr', { hasText: CONCERN });
    assert.equal(await concernRow.count(), 1, 'the concern should be listed');
    assert.match(squash(await concernRow.innerText()), /Priya Raman.*Not cleared/, 'the concern should say who raised it and that it is not cleared');

    await walk.sendEmpty(walk.button('Clear concern'), 'clearing a concern', ['concern', 'clear_note']);
    await page.getByRole('group', { name: 'Which concern?', exact: true }).getByLabel(CONCERN, { exact: true }).check();
    await page.getByLabel('Why can it be cleared?', { exact: true }).fill(CLEARED);
    await walk.click(walk.button('Clear concern'), 'engagement, concern cleared');
    await walk.noErrorSummary('clearing a concern');
    assert.match(await walk.successBanner(), /Concern cleared/);
    assert.match(squash(await concernRow.innerText()), new RegExp(`${CLEARED.replace(/[()]/g, '\\$&')}`), 'the cleared concern should stay listed with why');

    await walk.click(page.getByRole('link', { name: 'Back to their episode', exact: true }), 'the episode');
  } finally {
    t.diagnostic(`worker: ${walk.checked} page(s) checked`);
    await context.close();
  }
  assertNoProblems(walk.problems, 'engagement as the worker');
});

test('a peer mentor and the site manager see who needs attention; the manager opens the engagement rules', { timeout: config.ROLE_TEST_TIMEOUT_MS }, async (t) => {
  for (const role of ['peer_mentor', 'site_manager']) {
    const account = config.ACCOUNTS.find((a) => a.role === role);
    const context = await newAppContext(browser);
    const page = await context.newPage();
    const walk = new Walk(t, page);
    try {
      await signIn(page, account);
      const rows = await openAttention(walk, role);
      await walk.click(page.locator('main table').getByRole('link', { name: rows[0].name, exact: true }).first(), `${role}: engagement`);
      assert.equal(squash(await page.locator('h1').innerText()), 'Engagement');
      if (role === 'site_manager') {
        await walk.open('/attention', `${role}: needs attention`);
        const rulesLink = page.locator('main').getByRole('link', { name: /^Engagement rules of / }).first();
        assert.equal(await rulesLink.count(), 1, 'the site manager should find their site\'s engagement rules on Needs attention');
        await walk.click(rulesLink, 'engagement rules');
        assert.match(pathOf(page.url()), /^\/settings\/[0-9a-f-]{36}\/engagement$/);
        assert.equal(squash(await page.locator('h1').innerText()), 'Engagement rules');
        const versions = page.locator('main table', { has: page.locator('caption', { hasText: 'Versions' }) });
        assert.ok((await versions.locator('tbody tr').count()) >= 1, 'the rules page should list the versions');
        // Every threshold cleared and sent: each is refused next to its field (nothing is saved).
        const inputs = page.locator('main form input[type="text"], main form input:not([type])');
        const n = await inputs.count();
        assert.ok(n > 0, 'the rules page should have threshold fields');
        for (let i = 0; i < n; i += 1) await inputs.nth(i).fill('');
        await walk.sendEmpty(walk.button('Save as a new version'), 'the engagement rules');
        await walk.click(page.getByRole('link', { name: 'Back to site settings', exact: true }), 'site settings');
      }
    } finally {
      t.diagnostic(`${role}: ${walk.checked} page(s) checked`);
      await context.close();
    }
    assertNoProblems(walk.problems, `needs attention as ${role.replace('_', ' ')}`);
  }
});
