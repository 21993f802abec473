process.env.BASE_URL='http://127.0.0.1:18431';
const { launchBrowser, newAppContext } = require('./lib/browser');
const config = require('./lib/config');
const { signIn } = require('./lib/app');
(async () => { const b = await launchBrowser(); const c = await newAppContext(b); const p = await c.newPage();
  await signIn(p, config.ACCOUNTS[0]);
  for (const path of process.argv.slice(2)) { await p.goto(path);
    for (const s of await p.locator('main select').all()) console.log(await s.getAttribute('id'), JSON.stringify(await s.locator('option').allInnerTexts())); }
  await b.close(); })();
