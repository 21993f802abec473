'use strict';

// Runs axe-core inside a Playwright page.
//
// The app's Content-Security-Policy forbids inline scripts, so axe cannot be
// added with page.addScriptTag({ content }) (Chromium blocks it). Instead the
// axe source is evaluated with page.evaluate(source): Playwright sends it over
// the DevTools protocol, which is not subject to the page's CSP. The harness
// self-test (tests/00-harness.test.js) checks that this keeps working against a
// page served with `script-src 'self'`.

const fs = require('node:fs');

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const MAX_NODES_PER_VIOLATION = 10;

async function injectAxe(page) {
  const present = await page.evaluate(
    () => typeof window.axe === 'object' && window.axe !== null && typeof window.axe.run === 'function',
  );
  if (present) return;
  await page.evaluate(AXE_SOURCE);
  const ok = await page.evaluate(() => typeof window.axe === 'object' && typeof window.axe.run === 'function');
  if (!ok) {
    throw new Error(`axe-core did not initialise on ${page.url()} (window.axe.run is missing after injection)`);
  }
}

/**
 * Runs axe with the WCAG 2.x A/AA tags and returns a compact list of violations.
 * Each violation: { id, impact, help, helpUrl, description, nodes: [{ target, html, summary }] }.
 */
async function runAxe(page, { tags = AXE_TAGS } = {}) {
  await injectAxe(page);
  return page.evaluate(async (tagList) => {
    const results = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tagList },
      resultTypes: ['violations'],
    });
    const flat = (target) =>
      target.map((part) => (Array.isArray(part) ? part.join(' >>> ') : String(part))).join(' | ');
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      description: v.description,
      nodes: v.nodes.map((n) => ({
        target: flat(n.target),
        html: n.html,
        summary: n.failureSummary,
      })),
    }));
  }, tags);
}

/**
 * Runs axe on a page that was loaded with JavaScript disabled. axe needs timers
 * and promises, which do not run in such a page, so the rendered DOM is copied
 * into a fresh context of the same size with JavaScript on (the page's own
 * scripts blocked, so the DOM stays as it was without JavaScript) and checked there.
 */
async function runAxeWithoutJavaScript(page, options = {}) {
  const html = await page.content();
  const url = page.url();
  const context = await page.context().browser().newContext({
    viewport: page.viewportSize() || undefined,
    javaScriptEnabled: true,
  });
  try {
    const copy = await context.newPage();
    await copy.route('**/*', (route) => {
      const request = route.request();
      if (request.isNavigationRequest() && request.url() === url) {
        return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      }
      if (request.resourceType() === 'script') return route.abort();
      return route.continue();
    });
    await copy.goto(url, { waitUntil: 'load' });
    return await runAxe(copy, options);
  } finally {
    await context.close();
  }
}

function truncate(s, n) {
  const one = String(s || '').replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** Human-readable report of axe violations for assertion messages. */
function formatViolations(violations, where) {
  const lines = [`axe-core found ${violations.length} violation(s) on ${where}:`];
  for (const v of violations) {
    lines.push(`  - ${v.id} [impact: ${v.impact || 'n/a'}] ${v.help}`);
    lines.push(`    ${v.helpUrl}`);
    const shown = v.nodes.slice(0, MAX_NODES_PER_VIOLATION);
    for (const n of shown) {
      lines.push(`      * target: ${n.target}`);
      lines.push(`        html:   ${truncate(n.html, 200)}`);
      if (n.summary) lines.push(`        why:    ${truncate(n.summary, 300)}`);
    }
    if (v.nodes.length > shown.length) {
      lines.push(`      … and ${v.nodes.length - shown.length} more node(s)`);
    }
  }
  return lines.join('\n');
}

module.exports = { AXE_SOURCE, AXE_TAGS, injectAxe, runAxe, runAxeWithoutJavaScript, formatViolations };
