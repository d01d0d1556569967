// The BBS's outbox section and send form against real devnet daemons: why an entry waits,
// when its share is expected, what happened to it, and the node's two refusals of a send.
//   F  alone, not mining (--mine false), share period 1 s, sends bounded to 8 s, room for two
//      queued messages: its forecast never moves, so a 150-byte chat waits for the message
//      budget (5 s), a second one would wait past 8 s (429 "over budget"), a short one waits
//      behind the first, and a third queued one finds the outbox full (429 "queue full");
//   G  alone, mining every 0.5 s: a chat goes into a share within seconds and is confirming
//      (its share stays in the 400-share window for 200 s).
// Screenshots go to build/browser-artifacts/.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {Browser, DESKTOP, PHONE, screenshot} from './lib/browser.js';
import {Daemon, daemonHasFlag, deriveKey, http, stopAll, waitFor} from './lib/devnet.js';

const RUN = Math.random().toString(36).slice(2, 8);
const TOKEN_KEY = 'sharemsg.api_token';

describe('the outbox\'s reasons and the send form\'s answers on the BBS', {timeout: 300000}, () => {
  const F = new Daemon('node-f');
  const G = new Daemon('node-g');
  let browser;
  let pageF;  // F's BBS with the token kept

  // A BBS tab at `node` with its token kept (no token form on the way).
  async function openWithToken(node) {
    const page = await browser.open(node.url + '/static/bbs.html');
    await page.evaluate(([k, t]) => sessionStorage.setItem(k, t), [TOKEN_KEY, node.cookie()]);
    await page.reload();
    await page.locator('#outbox-panel').waitFor({state: 'visible', timeout: 10000});
    return page;
  }

  // Sends `text` from the chat form; resolves {status, body, flash (its text), kind (ok | error)}
  // once the page has shown the answer.
  async function sendFromForm(page, text) {
    await page.evaluate(() => {
      const f = document.getElementById('flash');
      f.hidden = true;
      f.textContent = '';
    });
    await page.fill('#send-text', text);
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/msg/send');
    await page.click('#send-chat');
    const res = await answer;
    const body = await res.json();
    await page.waitForFunction(() => {
      const f = document.getElementById('flash');
      return !f.hidden && f.textContent !== '';
    }, null, {timeout: 5000});
    const flash = page.locator('#flash');
    const kind = /\berror\b/.test(await flash.getAttribute('class')) ? 'error' : 'ok';
    return {status: res.status(), body, flash: await flash.textContent(), kind};
  }

  const entry = (page, hash) => page.locator(`#outbox > li[data-hash="${hash}"]`);

  function noDialogs() {
    assert.deepEqual(browser.dialogs, [], 'a JavaScript dialog opened: ' + browser.dialogs.join('; '));
    assert.deepEqual(browser.errors, [], 'page errors: ' + browser.errors.join('; '));
  }

  before(async () => {
    assert.ok(daemonHasFlag('--max-send-delay'), 'this sharemsgd has no --max-send-delay');
    await Promise.all([F.ports(), G.ports()]);
    const common = ['--status-interval', '0'];
    await Promise.all([
      F.start([...common, '--mine', 'false', '--share-period', '1', '--max-send-delay', '8',
               '--outbox-capacity', '2', ...deriveKey(0).flags]),
      G.start([...common, '--share-period', '0.5', ...deriveKey(0).flags]),
    ]);
    browser = await Browser.launch();
  });

  after(async () => {
    if (pageF) await pageF.close().catch(() => {});
    if (browser) await browser.close();
    await stopAll();
  });

  it('a send shows when a share is expected to carry it; its outbox entry says why it waits and when', async () => {
    pageF = await openWithToken(F);
    const sent = await sendFromForm(pageF, `waits for the budget ${RUN} ` + 'x'.repeat(130));
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const est = sent.body.estimated_share_time;
    assert.ok(typeof est === 'number' && est >= 2, 'F needs a few shares of budget: ' + est);
    assert.equal(sent.kind, 'ok');
    assert.match(sent.flash, new RegExp(`^Message queued \\(position 1\\); expected in a share in ~${est} s$`),
                 sent.flash);

    // The node's own account of the entry, and the page's.
    const hash = sent.body.message_hash;
    const api = (await http(F.webPort, 'GET', '/msg/outbox', {token: F.cookie()})).json;
    const mine = api.entries.find((e) => e.message_hash === hash);
    assert.equal(mine.waiting, 'budget', JSON.stringify(mine));
    const li = entry(pageF, hash);
    await li.waitFor({timeout: 5000});
    assert.equal(await li.getAttribute('data-state'), 'queued');
    assert.equal(await li.getAttribute('data-waiting'), 'budget');
    assert.equal(await li.locator('.waiting').textContent(), 'waiting for the message budget');
    assert.equal(await li.locator('.eta').getAttribute('data-eta'), String(Math.ceil(mine.eta)));
    assert.equal(await li.locator('.eta').textContent(), `in ~${Math.ceil(mine.eta)} s`);
    assert.equal(await li.locator('.note').count(), 0, 'nothing happened to it yet');
    noDialogs();
  });

  it('the send form tells "over the message budget, try again in N s" apart from "outbox full"', async () => {
    assert.ok(pageF, 'needs F\'s BBS (the previous test did not open it)');
    // A second 150-byte chat would wait past the 8 s bound: refused, with when to retry.
    const text = `over the budget ${RUN} ` + 'y'.repeat(130);
    const over = await sendFromForm(pageF, text);
    assert.equal(over.status, 429, JSON.stringify(over.body));
    assert.equal(over.body.error, 'over budget');
    const retry = over.body.retry_after;
    assert.ok(typeof retry === 'number' && retry > 0, JSON.stringify(over.body));
    assert.equal(over.kind, 'error');
    assert.equal(over.flash, `Not sent: Over the message budget: try again in ${Math.ceil(retry)} s`);
    assert.equal(await pageF.inputValue('#send-text'), text, 'the text is kept to retry');

    // A short one fits behind the first, within the bound.
    const behind = await sendFromForm(pageF, `short ${RUN}`);
    assert.equal(behind.status, 200, JSON.stringify(behind.body));
    assert.match(behind.flash, /^Message queued \(position 2\); expected in a share in ~\d+ s$/, behind.flash);
    const li = entry(pageF, behind.body.message_hash);
    await li.waitFor({timeout: 5000});
    assert.equal(await li.getAttribute('data-waiting'), 'behind');
    assert.equal(await li.locator('.waiting').textContent(), 'waiting behind an earlier message');
    assert.match(await li.locator('.eta').textContent(), /^in ~\d+ s$/);

    // Two queued: the outbox is full, which is another refusal.
    const full = await sendFromForm(pageF, `no room ${RUN}`);
    assert.equal(full.status, 429, JSON.stringify(full.body));
    assert.equal(full.body.error, 'queue full');
    assert.equal(full.kind, 'error');
    assert.match(full.flash, /^Not sent: The outbox is full: /, full.flash);
    assert.doesNotMatch(full.flash, /budget|try again in \d/, full.flash);

    await pageF.setViewportSize(PHONE);
    const width = await pageF.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `the outbox with its reasons at ${PHONE.width} px scrolls sideways (${width} px)`);
    await screenshot(pageF, 'bbs-outbox-waiting-phone');
    await pageF.setViewportSize(DESKTOP);
    await screenshot(pageF, 'bbs-outbox-waiting-desktop');
    noDialogs();
  });

  it('an entry in a share of the best chain shows "confirming" and what happened to it', async () => {
    const page = await openWithToken(G);
    const sent = await sendFromForm(page, `confirm me ${RUN}`);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const hash = sent.body.message_hash;
    const mine = await waitFor(async () => {
      const j = (await http(G.webPort, 'GET', '/msg/outbox', {token: G.cookie()})).json;
      const e = j && j.entries.find((x) => x.message_hash === hash);
      return e && e.state === 'embedded' ? e : null;
    }, {timeout: 60000, what: 'G to put the chat into a share'});
    assert.equal(mine.waiting, 'confirming', JSON.stringify(mine));
    assert.ok(mine.note, 'the node says which share: ' + JSON.stringify(mine));
    // The section refreshes every 10 s; a reload reads it at once.
    await page.reload();
    const li = entry(page, hash);
    await li.waitFor({timeout: 10000});
    assert.equal(await li.getAttribute('data-state'), 'embedded');
    assert.equal(await li.getAttribute('data-waiting'), 'confirming');
    assert.equal(await li.locator('.waiting').textContent(), 'confirming in the best chain');
    assert.equal(await li.locator('.note').textContent(), mine.note);
    assert.equal(await li.locator('.note').getAttribute('data-note'), mine.note);
    assert.equal(await li.locator('.eta').count(), 0, 'no estimate once in a share');
    noDialogs();
    await page.close();
  });

  it('shows a reason it does not know as given, and the node\'s text as text', async () => {
    const page = await browser.open(F.url + '/static/bbs.html');
    await page.evaluate(([k, t]) => sessionStorage.setItem(k, t), [TOKEN_KEY, F.cookie()]);
    const now = Math.floor(Date.now() / 1000);
    await page.route('**/msg/outbox', (route) => route.fulfill({
      status: 200, contentType: 'application/json',
      body: JSON.stringify({queued: 4, entries: [
        {message_hash: 'a1'.repeat(32), state: 'queued', created_at: now - 30, share_hash: null, detail: null,
         waiting: 'moon_phase<b>', eta: 42, note: 'share 0011223344556677 left the best chain', fragments: null},
        {message_hash: 'a2'.repeat(32), state: 'queued', created_at: now - 20, share_hash: null, detail: null,
         waiting: 'recipient_unknown', eta: null, note: '<img src=x onerror=alert(1)>', fragments: null},
        {message_hash: 'a3'.repeat(32), state: 'queued', created_at: now - 10, share_hash: null, detail: null,
         waiting: {odd: true}, eta: 'soon', note: 7, fragments: null},
        {message_hash: 'a4'.repeat(32), state: 'queued', created_at: now, share_hash: null, detail: null,
         waiting: 'no_sender', eta: now + 300, note: null, fragments: null},
      ]}),
    }));
    await page.reload();
    await page.locator('#outbox > li').nth(3).waitFor({timeout: 10000});
    const rows = await page.$$eval('#outbox > li', (lis) => lis.map((li) => ({
      waiting: li.getAttribute('data-waiting'),
      label: li.querySelector('.waiting')?.textContent ?? null,
      eta: li.querySelector('.eta')?.textContent ?? null,
      note: li.querySelector('.note')?.textContent ?? null,
    })));
    assert.deepEqual(rows, [
      {waiting: 'no_sender', label: 'waiting for a signing key', eta: 'in ~5 min', note: null},
      {waiting: null, label: null, eta: null, note: null},
      {waiting: 'recipient_unknown', label: 'waiting for the recipient\'s key', eta: null,
       note: '<img src=x onerror=alert(1)>'},
      {waiting: 'moon_phase<b>', label: 'moon_phase<b>', eta: 'in ~42 s',
       note: 'share 0011223344556677 left the best chain'},
    ]);
    assert.equal(await page.locator('#outbox img, #outbox b').count(), 0, 'no element made from the node\'s text');
    await page.waitForTimeout(300);  // an onerror would have fired by now
    noDialogs();
    await page.close();
  });
});
