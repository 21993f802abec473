'use strict';

// Node's built-in "spec" reporter, except that the run summary (tests/pass/fail
// counts) is printed last, after the "failing tests" recap, so the final lines of
// a CI log always say how the run went.

const { spec: Spec } = require('node:test/reporters');

const SUMMARY = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+$/;

module.exports = async function* specWithSummaryLast(source) {
  const spec = new Spec();
  const pending = [];
  const held = [];
  spec.on('data', (chunk) => pending.push(chunk));
  const ended = new Promise((resolve, reject) => {
    spec.on('end', resolve);
    spec.on('error', reject);
  });

  for await (const event of source) {
    if (
      event.type === 'test:diagnostic' &&
      event.data &&
      event.data.nesting === 0 &&
      !event.data.file &&
      SUMMARY.test(String(event.data.message))
    ) {
      held.push(String(event.data.message));
      continue;
    }
    spec.write(event);
    while (pending.length) yield pending.shift();
  }
  spec.end();
  await ended;
  while (pending.length) yield pending.shift();
  if (held.length) yield `\n${held.map((m) => `ℹ ${m}`).join('\n')}\n`;
};
