'use strict';

// Security headers on page responses (plain HTTP, no browser needed).

const { test } = require('node:test');
const assert = require('node:assert/strict');

const config = require('../lib/config');
const { securityHeaderProblems, headersToObject } = require('../lib/checks');

for (const [path, expected] of [
  ['/sign-in', 200],
  ['/accessibility', 200],
  ['/no-such-page', 404],
]) {
  test(`security headers on GET ${path}`, { timeout: config.TEST_TIMEOUT_MS }, async (t) => {
    const res = await fetch(`${config.baseUrl()}${path}`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(config.NAVIGATION_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    assert.equal(res.status, expected, `GET ${path} status`);
    const headers = headersToObject(res.headers);
    t.diagnostic(`content-security-policy: ${headers['content-security-policy'] ?? '(none)'}`);
    t.diagnostic(`referrer-policy: ${headers['referrer-policy'] ?? '(none)'}`);
    const problems = securityHeaderProblems(headers);
    assert.deepEqual(problems, [], `GET ${path} security header problems:\n  ${problems.join('\n  ')}`);
  });
}
