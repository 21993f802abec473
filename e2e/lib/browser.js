'use strict';

const { chromium } = require('playwright-core');
const config = require('./config');

// Debian's Chromium, no Playwright-managed browser download.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

async function launchBrowser() {
  try {
    return await chromium.launch({
      executablePath: config.CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
  } catch (err) {
    err.message =
      `Could not launch Chromium at ${config.CHROMIUM_PATH} ` +
      `(install it with "apt-get install -y chromium" or set CHROMIUM_PATH): ${err.message}`;
    throw err;
  }
}

/**
 * A fresh browser context (own cookie jar) pointed at the app.
 * `baseURL` is only set when the caller passes it (the harness self-test does not use the app).
 */
async function newContext(browser, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  context.setDefaultTimeout(config.ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(config.NAVIGATION_TIMEOUT_MS);
  return context;
}

/** Same as newContext, with baseURL set to the app under test. */
async function newAppContext(browser, options = {}) {
  return newContext(browser, { baseURL: config.baseUrl(), ...options });
}

/**
 * Records console errors, CSP violations and uncaught page errors so they can be
 * reported as diagnostics next to a failing (or passing) page.
 */
function watchPage(page) {
  const events = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      const where = msg.location() && msg.location().url ? ` (${msg.location().url})` : '';
      events.push(`console.${msg.type()}: ${msg.text()}${where}`);
    }
  });
  page.on('pageerror', (err) => events.push(`uncaught page error: ${err.message}`));
  return {
    /** Returns and clears the events seen since the last call (duplicates collapsed). */
    take() {
      const counts = new Map();
      for (const e of events.splice(0, events.length)) counts.set(e, (counts.get(e) || 0) + 1);
      return [...counts].map(([e, n]) => (n > 1 ? `${e} [x${n}]` : e));
    },
  };
}

module.exports = { launchBrowser, newContext, newAppContext, watchPage, CHROMIUM_ARGS };
