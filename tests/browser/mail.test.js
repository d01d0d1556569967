// The BBS's Mailbox tab (web/mail.js) against a real devnet daemon:
//   M  mining, with a signing key, and no --mailbox-url: the tab asks for the token, then says
//      mail is not enabled (the node's 404 "not_enabled"), with no form and no lists.
// Then, on the same page, the node's /mail answers are replaced (page.route) by those of a
// node with mail, to check what the tab makes of them: the inbox newest first with sender,
// path and time, hostile text kept as text, the sent messages' states and last error, live
// mail from /mail/stream, the inbox polled while there is no stream, and the compose form
// (its request, its answers, its refusals before any request). Screenshots go to
// build/browser-artifacts/.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {Browser, DESKTOP, PHONE, screenshot} from './lib/browser.js';
import {Daemon, deriveKey, http, stopAll} from './lib/devnet.js';

const TOKEN_KEY = 'sharemsg.api_token';
// A page.route matcher of one path, whatever the query.
const at = (pathname) => (url) => url.pathname === pathname;
const KEY_A = '02' + '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const KEY_B = '03' + 'c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5';
const ID_A = 'a1'.repeat(20);
const ID_B = 'b2'.repeat(20);

describe('the BBS Mailbox tab', {timeout: 300000}, () => {
  const M = new Daemon('node-mail');
  let browser;

  function noDialogs() {
    assert.deepEqual(browser.dialogs, [], 'a JavaScript dialog opened: ' + browser.dialogs.join('; '));
    assert.deepEqual(browser.errors, [], 'page errors: ' + browser.errors.join('; '));
  }


  before(async () => {
    await M.start(['--status-interval', '0', '--share-period', '1', ...deriveKey(0).flags]);
    browser = await Browser.launch();
  });

  after(async () => {
    if (browser) await browser.close();
    await stopAll();
  });

  it('without the token the tab asks for it; with it, a node without mail says so', async () => {
    const api = await http(M.webPort, 'GET', '/mail/status', {token: M.cookie()});
    assert.equal(api.status, 404, JSON.stringify(api.json));
    assert.equal(api.json.error, 'not_enabled');

    const page = await browser.open(M.url + '/static/bbs.html#mail');
    await page.locator('#mail-panel').waitFor({state: 'visible', timeout: 10000});
    assert.equal(await page.getAttribute('.tab[data-tab="mail"]', 'aria-selected'), 'true');
    await page.locator('#mail-locked').waitFor({state: 'visible', timeout: 5000});
    assert.equal(await page.locator('#mail-body').isVisible(), false);
    assert.equal(await page.locator('#messages-panel').isVisible(), false, 'the message list is another tab');
    assert.equal(await page.locator('#send-form').isVisible(), false, 'the chat form is not the mail form');

    // The token through the page's own form.
    await page.click('#mail-unlock');
    await page.locator('#token-form').waitFor({state: 'visible', timeout: 5000});
    await page.fill('#token-input', M.cookie());
    await page.click('#token-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('mail-state').getAttribute('data-state') === 'off',
                               null, {timeout: 10000});
    const text = await page.textContent('#mail-state');
    assert.match(text, /^Mail is not enabled on this node\. /, text);
    assert.match(text, /--mailbox-url/, text);
    assert.equal(await page.locator('#mail-locked').isVisible(), false);
    assert.equal(await page.locator('#mail-body').isVisible(), false, 'no form and no lists without mail');
    await screenshot(page, 'bbs-mail-not-enabled');

    // Other tabs are as they were.
    await page.click('.tab[data-tab="chat"]');
    await page.locator('#messages-panel').waitFor({state: 'visible', timeout: 5000});
    assert.equal(await page.locator('#mail-panel').isVisible(), false);
    assert.equal(await page.locator('#send-form').isVisible(), true);
    noDialogs();
    await page.close();
  });

  it('shows the inbox, the sent messages and live mail; sends from its form', async () => {
    const now = Math.floor(Date.now() / 1000);
    const inbox = [
      {id: 1, from: KEY_A, from_id: ID_A, index: 0, text: 'first, by the mailbox', sent: now - 600,
       received: now - 590, path: 'mailbox'},
      {id: 2, from: KEY_B, from_id: ID_B, index: 0, text: '<img src=x onerror=alert(1)>\nsecond line',
       sent: now - 300, received: now - 299, path: 'direct'},
    ];
    const outbox = [
      {id: 3, to: KEY_B, to_id: ID_B, index: 2, text: 'still going', created: now - 5, state: 'queued',
       last_error: 'mailbox: connection refused'},
      {id: 2, to: KEY_A, to_id: ID_A, index: 1, text: 'waits in the mailbox', created: now - 50,
       state: 'deposited', last_error: null},
      {id: 1, to: KEY_A, to_id: ID_A, index: 0, text: 'reached them', created: now - 100,
       state: 'delivered', last_error: null},
    ];
    const live = {id: 3, from: KEY_A, from_id: ID_A, index: 1, text: 'over the stream', sent: now,
                  received: now, path: 'mailbox'};
    const polled = {id: 4, from: KEY_B, from_id: ID_B, index: 1, text: 'read by a poll', sent: now,
                    received: now, path: 'direct'};
    const sends = [];
    const inboxQueries = [];
    let pollReady = false;

    const page = await browser.open(M.url + '/static/bbs.html#mail');
    await page.evaluate(([k, t]) => sessionStorage.setItem(k, t), [TOKEN_KEY, M.cookie()]);
    const json = (route, status, body) => route.fulfill({status, contentType: 'application/json',
                                                         body: JSON.stringify(body)});
    await page.route(at('/mail/status'), (route) => json(route, 200, {
      mailbox: 'http://127.0.0.1:1/', registered: true, connected: true, inbox: 2, queued: 1, last_error: null}));
    await page.route(at('/mail/inbox'), (route) => {
      const q = new URL(route.request().url()).searchParams;
      inboxQueries.push(q.get('after'));
      const after = Number(q.get('after'));
      const all = pollReady ? [...inbox, live, polled] : inbox;
      return json(route, 200, {messages: all.filter((m) => m.id > after)});
    });
    await page.route(at('/mail/outbox'), (route) => json(route, 200, {messages: outbox}));
    // The stream gives one event, then ends: the tab goes on by polling.
    await page.route(at('/mail/stream'), (route) => route.fulfill({
      status: 200, contentType: 'text/event-stream',
      body: ': keepalive\n\nevent: message\ndata: {"id":99}\n\nevent: mail\ndata: ' + JSON.stringify(live) + '\n\n'}));
    await page.route(at('/mail/send'), (route) => {
      const body = JSON.parse(route.request().postData());
      sends.push({body, auth: route.request().headers().authorization});
      if (body.text === 'too many') {
        return json(route, 429, {error: 'outbox_full', detail: 'too many messages queued'});
      }
      return json(route, 200, {sent: {id: 4, to: body.to, to_id: ID_A, index: 3, text: body.text,
                                      created: now, state: 'queued', last_error: null}});
    });
    await page.reload();
    await page.locator('#mail-body').waitFor({state: 'visible', timeout: 10000});

    // The state line from /mail/status.
    await page.waitForFunction(() => document.getElementById('mail-state').getAttribute('data-state') === 'on');
    assert.equal(await page.textContent('#mail-state'),
                 'mailbox http://127.0.0.1:1/ · registered · connected · 1 queued');

    // The inbox, newest first: the stream's message is there too, and the event of another
    // kind was ignored.
    await page.locator('#mail-inbox > li[data-id="3"]').waitFor({timeout: 10000});
    const rows = () => page.$$eval('#mail-inbox > li', (lis) => lis.map((li) => ({
      id: li.getAttribute('data-id'), path: li.getAttribute('data-path'), from: li.getAttribute('data-from'),
      who: li.querySelector('.mail-from').textContent, text: li.querySelector('.mail-text').textContent,
      age: !!li.querySelector('time.age')})));
    assert.deepEqual(await rows(), [
      {id: '3', path: 'mailbox', from: ID_A, who: 'from a1a1a1a1…a1a1', text: 'over the stream', age: true},
      {id: '2', path: 'direct', from: ID_B, who: 'from b2b2b2b2…b2b2', text: '<img src=x onerror=alert(1)>\nsecond line',
       age: true},
      {id: '1', path: 'mailbox', from: ID_A, who: 'from a1a1a1a1…a1a1', text: 'first, by the mailbox', age: true},
    ]);
    assert.equal(await page.locator('#mail-inbox img').count(), 0, 'no element made from a message');
    assert.equal(await page.textContent('#mail-inbox-summary'), '(3)');
    assert.match(await page.getAttribute('#mail-inbox > li[data-id="2"] .mail-from', 'title'), new RegExp(KEY_B));

    // With the stream ended, the inbox is polled after the last id read.
    assert.equal(inboxQueries[0], '0');
    pollReady = true;
    await page.locator('#mail-inbox > li[data-id="4"]').waitFor({timeout: 15000});
    assert.equal(await page.getAttribute('#mail-panel', 'data-live'), 'polling');
    assert.ok(inboxQueries.includes('3'), 'a poll asks after the newest id: ' + inboxQueries.join(','));
    assert.equal(await page.locator('#mail-inbox > li').count(), 4, 'each message once');

    // The sent messages and where each stands.
    const sent = await page.$$eval('#mail-outbox > li', (lis) => lis.map((li) => ({
      id: li.getAttribute('data-id'), state: li.getAttribute('data-state'),
      label: li.querySelector('.state').textContent,
      error: li.querySelector('.mail-error')?.textContent ?? null})));
    assert.deepEqual(sent, [
      {id: '3', state: 'queued', label: 'queued', error: 'mailbox: connection refused'},
      {id: '2', state: 'deposited', label: 'deposited', error: null},
      {id: '1', state: 'delivered', label: 'delivered', error: null},
    ]);
    assert.equal(await page.textContent('#mail-outbox-summary'), '(3, 1 queued)');

    // Reply fills the recipient; the form sends {to, text} with the token.
    await page.click('#mail-inbox > li[data-id="1"] .mail-reply');
    assert.equal(await page.inputValue('#mail-to'), KEY_A);
    await page.fill('#mail-text', 'hello there');
    assert.equal(await page.textContent('#mail-count'), '11/65511 bytes');
    await page.click('#mail-send');
    await page.waitForFunction(() => !document.getElementById('flash').hidden);
    assert.deepEqual(sends.map((s) => s.body), [{to: KEY_A, text: 'hello there'}]);
    assert.equal(sends[0].auth, 'Bearer ' + M.cookie());
    assert.equal(await page.textContent('#flash'), 'Mail #4 to a1a1a1a1…a1a1 queued');
    assert.equal(await page.inputValue('#mail-text'), '', 'the text is cleared once kept');

    // The node's refusal is shown, and the text kept to try again.
    await page.fill('#mail-text', 'too many');
    await page.click('#mail-send');
    await page.waitForFunction(() => /^Not sent/.test(document.getElementById('flash').textContent));
    assert.equal(await page.textContent('#flash'), 'Not sent: the mail outbox is full: too many messages queued');
    assert.equal(await page.inputValue('#mail-text'), 'too many');

    // Refused on the page, with no request: a signing id is not a pubkey, and an empty text.
    await page.fill('#mail-to', ID_A);
    await page.click('#mail-send');
    assert.equal(await page.textContent('#flash'), 'The recipient is a signing pubkey: 66 hex digits starting 02 or 03.');
    await page.fill('#mail-to', KEY_B);
    await page.fill('#mail-text', '   ');
    await page.click('#mail-send');
    assert.equal(await page.textContent('#flash'), 'Write something first.');
    assert.equal(sends.length, 2, 'no request for what the page refused');

    await page.setViewportSize(PHONE);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `the Mailbox tab at ${PHONE.width} px scrolls sideways (${width} px)`);
    await screenshot(page, 'bbs-mail-phone');
    await page.setViewportSize(DESKTOP);
    await screenshot(page, 'bbs-mail-desktop');
    await page.waitForTimeout(300);  // an onerror would have fired by now
    noDialogs();
    await page.close();
  });
});
