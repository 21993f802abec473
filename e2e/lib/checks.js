'use strict';

const { runAxe, runAxeWithoutJavaScript, formatViolations } = require('./axe');

/**
 * Splits a Content-Security-Policy header value into policies -> directive map.
 * Several headers may arrive joined with "," or "\n".
 */
function parseCsp(value) {
  return String(value)
    .split(/[\n,]/)
    .map((policy) => policy.trim())
    .filter(Boolean)
    .map((policy) => {
      const directives = new Map();
      for (const part of policy.split(';')) {
        const tokens = part.trim().split(/\s+/).filter(Boolean);
        if (tokens.length === 0) continue;
        const name = tokens[0].toLowerCase();
        if (!directives.has(name)) directives.set(name, tokens.slice(1));
      }
      return directives;
    });
}

/**
 * Checks the security headers of one response. `headers` must have lower-case names.
 * Returns a list of problems (empty when everything is fine).
 */
function securityHeaderProblems(headers) {
  const problems = [];
  const csp = headers['content-security-policy'];
  if (!csp) {
    problems.push('missing Content-Security-Policy header');
  } else {
    if (/'unsafe-inline'/i.test(csp)) {
      problems.push(`Content-Security-Policy allows 'unsafe-inline': ${csp}`);
    }
    const policies = parseCsp(csp);
    const framesNone = policies.some((d) => {
      const v = d.get('frame-ancestors');
      return v && v.length === 1 && v[0].toLowerCase() === "'none'";
    });
    if (!framesNone) {
      problems.push(`Content-Security-Policy lacks "frame-ancestors 'none'": ${csp}`);
    }
  }
  const xcto = headers['x-content-type-options'];
  if (!xcto || xcto.trim().toLowerCase() !== 'nosniff') {
    problems.push(`X-Content-Type-Options should be "nosniff", got ${JSON.stringify(xcto ?? null)}`);
  }
  const rp = headers['referrer-policy'];
  if (!rp || !rp.trim()) {
    problems.push('missing Referrer-Policy header');
  } else if (/unsafe-url/i.test(rp)) {
    problems.push(`Referrer-Policy must not be unsafe-url, got ${JSON.stringify(rp)}`);
  }
  return problems;
}

/** Turns fetch() Headers into a plain object with lower-case names. */
function headersToObject(headers) {
  const out = {};
  for (const [k, v] of headers) out[k.toLowerCase()] = v;
  return out;
}

function isHtml(headers) {
  return /^\s*(text\/html|application\/xhtml\+xml)/i.test(headers['content-type'] || '');
}

/**
 * The standard checks for an HTML page that is already loaded in `page`:
 * status < 400 (unless expectStatus is given), an <h1>, security headers and axe.
 * Returns a list of problem strings.
 */
async function htmlPageProblems(page, response, { where, expectStatus, checkHeaders = true, javaScript = true } = {}) {
  const problems = [];
  const label = where || new URL(page.url()).pathname;
  if (!response) {
    return [`${label}: navigation produced no HTTP response`];
  }
  const status = response.status();
  if (expectStatus !== undefined) {
    if (status !== expectStatus) problems.push(`expected HTTP ${expectStatus}, got ${status}`);
  } else if (status >= 400) {
    problems.push(`HTTP status ${status} (expected < 400)`);
  }
  const headers = await response.allHeaders();
  if (!isHtml(headers)) {
    problems.push(`expected an HTML page, got Content-Type ${JSON.stringify(headers['content-type'] ?? null)}`);
    return problems;
  }
  if (checkHeaders) {
    for (const p of securityHeaderProblems(headers)) problems.push(`security headers: ${p}`);
  }
  const h1Count = await page.locator('h1').count();
  if (h1Count === 0) {
    const title = await page.title().catch(() => '');
    problems.push(`no <h1> on the page (title: ${JSON.stringify(title)})`);
  }
  const duplicateIds = await page.evaluate(() => {
    const seen = new Map();
    for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} (x${n})`);
  });
  if (duplicateIds.length > 0) problems.push(`ids used more than once: ${duplicateIds.join(', ')}`);
  const brokenReferences = await page.evaluate(() => {
    const broken = [];
    const exists = (id) => id !== '' && document.getElementById(id) !== null;
    for (const attr of ['for', 'aria-describedby', 'aria-labelledby', 'aria-controls']) {
      for (const el of document.querySelectorAll(`[${attr}]`)) {
        for (const id of el.getAttribute(attr).split(/\s+/).filter(Boolean)) {
          if (!exists(id)) broken.push(`${el.tagName.toLowerCase()}[${attr}] -> #${id}`);
        }
      }
    }
    for (const a of document.querySelectorAll('a[href^="#"]')) {
      const id = decodeURIComponent(a.getAttribute('href').slice(1));
      if (id !== '' && !exists(id)) broken.push(`a[href] -> #${id}`);
    }
    return broken;
  });
  if (brokenReferences.length > 0) {
    problems.push(`references to ids that are not on the page: ${brokenReferences.join(', ')}`);
  }
  const violations = javaScript ? await runAxe(page) : await runAxeWithoutJavaScript(page);
  if (violations.length > 0) problems.push(formatViolations(violations, label));
  return problems;
}

/** Throws one assertion error listing every problem, or does nothing. */
function assertNoProblems(problems, where) {
  if (problems.length === 0) return;
  const err = new Error(`${where}:\n${problems.map((p) => `  ${p.replace(/\n/g, '\n  ')}`).join('\n')}`);
  err.name = 'PageCheckError';
  // The message says everything; a stack trace through the helpers only adds noise.
  err.stack = `${err.name}: ${err.message}`;
  throw err;
}

module.exports = {
  parseCsp,
  securityHeaderProblems,
  headersToObject,
  isHtml,
  htmlPageProblems,
  assertNoProblems,
};
