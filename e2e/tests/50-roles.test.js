'use strict';

// For every demo role: sign in, visit every navigation page and every GET link
// found in the <main> of those pages (one level deep), check each page (status,
// h1, security headers, axe), then sign out.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const config = require('../lib/config');
const { launchBrowser, newAppContext, watchPage } = require('../lib/browser');
const { htmlPageProblems, assertNoProblems, isHtml } = require('../lib/checks');
const app = require('../lib/app');

let browser;

/** Visits one page and returns { problems, mainLinks, formActions, events, skipped }. */
async function visit(page, watcher, path, { collect }) {
  let response;
  try {
    response = await page.goto(path);
  } catch (err) {
    if (/Download is starting/i.test(err.message)) {
      return { problems: [], mainLinks: [], formActions: [], events: watcher.take(), skipped: 'link starts a download' };
    }
    throw err;
  }
  const problems = [];
  const landed = app.pathOf(page.url());
  if (landed === app.SIGN_IN_PATH) {
    problems.push(`redirected to ${app.SIGN_IN_PATH} (session lost, or the role may not see this page but it is linked)`);
  }
  if (response) {
    const headers = await response.allHeaders();
    if (response.status() < 400 && !isHtml(headers)) {
      return {
        problems: [],
        mainLinks: [],
        formActions: [],
        events: watcher.take(),
        skipped: `not HTML (${headers['content-type']})`,
      };
    }
  }
  problems.push(...(await htmlPageProblems(page, response, { where: path })));
  let mainLinks = [];
  let formActions = [];
  if (collect && response && response.status() < 400) {
    mainLinks = await app.collectLinks(page, 'main');
    formActions = await app.collectFormActions(page);
  }
  return { problems, mainLinks, formActions, events: watcher.take() };
}

describe('signed-in pages for each role', { concurrency: config.ROLE_CONCURRENCY }, () => {
  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  for (const account of config.ACCOUNTS) {
    it(`${account.role} (${account.email})`, { timeout: config.ROLE_TEST_TIMEOUT_MS }, async (t) => {
      const context = await newAppContext(browser);
      try {
        const page = await context.newPage();
        const watcher = watchPage(page);
        await app.signIn(page, account);

        const navLinks = (await app.collectLinks(page, 'header nav')).filter(
          (key) => !app.isSignOutPath(new URL(key, 'http://x').pathname),
        );
        assert.ok(navLinks.length > 0, `no same-origin links in "header nav" after signing in as ${account.role}`);
        t.diagnostic(`navigation links: ${navLinks.join(' ')}`);

        const visited = new Set();
        const skipPaths = new Set([app.SIGN_OUT_PATH]);
        const discovered = []; // links from <main> of nav pages, in order
        let budget = config.MAX_PAGES_PER_ROLE;

        const checkPage = async (key, { collect }) => {
          visited.add(key);
          budget -= 1;
          await t.test(`${account.role}: GET ${key}`, { timeout: config.PAGE_TEST_TIMEOUT_MS }, async (st) => {
            const result = await visit(page, watcher, key, { collect });
            for (const e of result.events || []) st.diagnostic(e);
            if (result.skipped) {
              st.skip(`not checked: ${result.skipped}`);
              return;
            }
            for (const a of result.formActions) skipPaths.add(a);
            for (const l of result.mainLinks) discovered.push(l);
            assertNoProblems(result.problems, `${account.role}: GET ${key}`);
          });
        };

        for (const key of navLinks) {
          if (budget <= 0) break;
          if (visited.has(key)) continue;
          await checkPage(key, { collect: true });
        }

        const queue = [];
        for (const key of discovered) {
          const pathname = new URL(key, 'http://x').pathname;
          if (visited.has(key) || queue.includes(key)) continue;
          if (app.isSignOutPath(pathname) || skipPaths.has(pathname)) continue;
          queue.push(key);
        }
        const capped = queue.slice(0, Math.max(0, budget));
        if (capped.length < queue.length) {
          t.diagnostic(
            `page cap ${config.MAX_PAGES_PER_ROLE} reached: not visiting ${queue.length - capped.length} more link(s): ` +
              queue.slice(capped.length).join(' '),
          );
        }
        for (const key of capped) {
          await checkPage(key, { collect: false });
        }
        t.diagnostic(`${visited.size} page(s) checked for ${account.role}`);

        // Back to a normal page with the header, then sign out.
        await page.goto('/');
        await app.assertSignedInHeader(page, `${account.role} after the crawl (is the session still valid?)`);
        await app.signOut(page);
        const afterSignOut = app.pathOf(page.url());
        assert.ok(
          afterSignOut === app.SIGN_IN_PATH || /sign(ed)?[-_]?out/i.test(afterSignOut),
          `after signing out, expected the sign-in page or a signed-out page, got ${page.url()}`,
        );
        assert.equal(await app.signOutButton(page).count(), 0, 'a "Sign out" button is still shown after signing out');
        const home = await page.goto('/');
        assert.equal(
          app.pathOf(page.url()),
          app.SIGN_IN_PATH,
          `after signing out, GET / should redirect to ${app.SIGN_IN_PATH}, ended on ${page.url()} (HTTP ${home && home.status()})`,
        );
      } finally {
        await context.close();
      }
    });
  }
});
