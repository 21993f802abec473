'use strict';

// Central configuration for the browser tests. Everything can be overridden
// with environment variables so CI and local runs use the same code.

const DEMO_PASSWORD = process.env.E2E_DEMO_PASSWORD || 'reconnect-demo-2026';

// Demo accounts created by `reconnect serve --demo`.
const ACCOUNTS = [
  { role: 'worker', email: 'worker.surrey@demo.reconnect.test' },
  { role: 'peer_mentor', email: 'mentor.surrey@demo.reconnect.test' },
  { role: 'site_manager', email: 'manager.surrey@demo.reconnect.test' },
  { role: 'national_lead', email: 'lead@demo.reconnect.test' },
  { role: 'reviewer', email: 'reviewer@demo.reconnect.test' },
  { role: 'admin', email: 'admin@demo.reconnect.test' },
].map((a) => ({ ...a, password: DEMO_PASSWORD }));

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Base URL of the app under test, without a trailing slash. */
function baseUrl() {
  const raw = process.env.BASE_URL;
  if (!raw) {
    throw new Error(
      'BASE_URL is not set. Run the suite with `bash e2e/run.sh`, or set BASE_URL=http://127.0.0.1:PORT yourself.',
    );
  }
  return raw.replace(/\/+$/, '');
}

module.exports = {
  ACCOUNTS,
  DEMO_PASSWORD,
  baseUrl,
  CHROMIUM_PATH: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  // Pages visited per role (nav pages + links found in their <main>).
  MAX_PAGES_PER_ROLE: intFromEnv('E2E_MAX_PAGES_PER_ROLE', 40),
  // How many roles are crawled at the same time (one browser context each).
  ROLE_CONCURRENCY: intFromEnv('E2E_ROLE_CONCURRENCY', 3),
  // Timeouts (milliseconds).
  ACTION_TIMEOUT_MS: intFromEnv('E2E_ACTION_TIMEOUT_MS', 15_000),
  NAVIGATION_TIMEOUT_MS: intFromEnv('E2E_NAVIGATION_TIMEOUT_MS', 20_000),
  PAGE_TEST_TIMEOUT_MS: intFromEnv('E2E_PAGE_TEST_TIMEOUT_MS', 45_000),
  ROLE_TEST_TIMEOUT_MS: intFromEnv('E2E_ROLE_TEST_TIMEOUT_MS', 240_000),
  TEST_TIMEOUT_MS: intFromEnv('E2E_TEST_TIMEOUT_MS', 60_000),
};
