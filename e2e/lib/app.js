'use strict';

// Helpers that encode the app's UI contract (sign-in form, header, navigation).

const config = require('./config');

const SIGN_IN_PATH = '/sign-in';
const SIGN_OUT_PATH = '/sign-out';

function pathOf(url) {
  return new URL(url).pathname;
}

/** pathname + search of a URL (the fragment is dropped), used as a page key. */
function pageKey(url) {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/**
 * Fills and submits the sign-in form on the current page (navigating to /sign-in first
 * unless `alreadyThere`). Resolves once the resulting page has loaded.
 * Returns { postStatus } - the HTTP status of the POST itself (often a 303).
 */
async function submitSignIn(page, email, password, { alreadyThere = false } = {}) {
  if (!alreadyThere) {
    const resp = await page.goto(SIGN_IN_PATH);
    if (!resp || resp.status() >= 400) {
      throw new Error(`GET ${SIGN_IN_PATH} returned HTTP ${resp ? resp.status() : 'no response'}`);
    }
  }
  const emailInput = page.locator('input[name="email"]');
  const passwordInput = page.locator('input[name="password"]');
  if ((await emailInput.count()) !== 1 || (await passwordInput.count()) !== 1) {
    throw new Error(
      `sign-in page ${page.url()} should have exactly one input[name=email] and one input[name=password] ` +
        `(found ${await emailInput.count()} and ${await passwordInput.count()})`,
    );
  }
  const ids = [await emailInput.getAttribute('id'), await passwordInput.getAttribute('id')];
  if (ids[0] !== 'email' || ids[1] !== 'password') {
    throw new Error(`sign-in inputs should have id="email" and id="password", got ids ${JSON.stringify(ids)}`);
  }
  await emailInput.fill(email);
  await passwordInput.fill(password);
  const button = page.getByRole('button', { name: 'Sign in', exact: true });
  if ((await button.count()) !== 1) {
    throw new Error(`sign-in page should have exactly one button named "Sign in" (found ${await button.count()})`);
  }
  const postRequest = page.waitForRequest(
    (req) => req.isNavigationRequest() && req.frame() === page.mainFrame() && req.method() === 'POST',
  );
  await button.click();
  const request = await postRequest;
  const response = await request.response();
  await page.waitForLoadState('load');
  return { postStatus: response ? response.status() : null };
}

/** Signs in and checks the contract: lands on "/" with a "Sign out" button in the header. */
async function signIn(page, account) {
  const { postStatus } = await submitSignIn(page, account.email, account.password);
  const landed = pathOf(page.url());
  if (landed !== '/') {
    const summary = await page
      .locator('.nhsuk-error-summary')
      .first()
      .innerText()
      .catch(() => '');
    throw new Error(
      `signing in as ${account.email} (${account.role}) should redirect to "/", ` +
        `but ended on ${page.url()} (POST status ${postStatus})` +
        (summary ? `; error summary says: ${summary.replace(/\s+/g, ' ').trim()}` : ''),
    );
  }
  await assertSignedInHeader(page, `after signing in as ${account.role}`);
}

function signOutButton(page) {
  return page.locator('header').getByRole('button', { name: 'Sign out', exact: true });
}

async function assertSignedInHeader(page, when) {
  const button = signOutButton(page);
  const count = await button.count();
  if (count !== 1) {
    throw new Error(`${when}: expected one "Sign out" button in <header> on ${page.url()}, found ${count}`);
  }
  const method = await button.evaluate((el) => (el.form ? el.form.method : null));
  if (method !== 'post') {
    throw new Error(`${when}: the "Sign out" button should submit a POST form (form method: ${JSON.stringify(method)})`);
  }
}

/** Clicks "Sign out" and waits for the page that follows. */
async function signOut(page) {
  const postRequest = page.waitForRequest(
    (req) => req.isNavigationRequest() && req.frame() === page.mainFrame() && req.method() === 'POST',
  );
  await signOutButton(page).click();
  await postRequest;
  await page.waitForLoadState('load');
}

/**
 * Same-origin, root-relative links inside `selector` on the current page, as page keys.
 * Keeps document order, drops duplicates and fragments-only links.
 */
async function collectLinks(page, selector) {
  const origin = new URL(page.url()).origin;
  const raw = await page.$$eval(`${selector} a[href]`, (anchors) =>
    anchors.map((a) => ({
      attr: a.getAttribute('href') || '',
      href: a.href,
      download: a.hasAttribute('download'),
    })),
  );
  const seen = new Set();
  const out = [];
  for (const { attr, href, download } of raw) {
    if (download) continue;
    const trimmed = attr.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    let url;
    try {
      url = new URL(href);
    } catch {
      continue;
    }
    if (url.origin !== origin || !url.pathname.startsWith('/')) continue;
    // Root-relative ("/x") or absolute same-origin hrefs only; "//host" is protocol-relative.
    if (!(trimmed.startsWith('/') && !trimmed.startsWith('//')) && !/^https?:/i.test(trimmed)) continue;
    const key = `${url.pathname}${url.search}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(key);
  }
  return out;
}

/** Paths that non-GET forms on the current page submit to (never to be crawled with GET). */
async function collectFormActions(page) {
  const actions = await page.$$eval('form', (forms) =>
    forms
      // Forms without an action attribute post back to their own page, which is
      // already being visited, so only explicit actions matter here.
      .filter((f) => (f.getAttribute('action') || '').trim() !== '')
      .filter((f) => (f.getAttribute('method') || 'get').trim().toLowerCase() !== 'get')
      .map((f) => f.action),
  );
  return actions.map((a) => new URL(a).pathname);
}

function isSignOutPath(pathname) {
  return pathname === SIGN_OUT_PATH || pathname.startsWith(`${SIGN_OUT_PATH}/`);
}

module.exports = {
  SIGN_IN_PATH,
  SIGN_OUT_PATH,
  pathOf,
  pageKey,
  submitSignIn,
  signIn,
  signOut,
  signOutButton,
  assertSignedInHeader,
  collectLinks,
  collectFormActions,
  isSignOutPath,
  config,
};
