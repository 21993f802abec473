process.env.BASE_URL='http://127.0.0.1:18431';
const { launchBrowser, newAppContext } = require('./lib/browser');
const config = require('./lib/config');
const { signIn } = require('./lib/app');
(async () => {
  const b = await launchBrowser();
  const c = await newAppContext(b);
  const p = await c.newPage();
  await signIn(p, config.ACCOUNTS[0]);
  await p.goto(process.argv[2]);
  console.log(await p.locator('main').innerText());
  console.log(await p.$$eval('main a, main button, main label, main legend', els => els.map(e => e.tagName+': '+e.innerText.replace(/\s+/g,' ')+(e.getAttribute('href')?' -> '+e.getAttribute('href'):'')).join('\n')));
  await b.close();
})();
