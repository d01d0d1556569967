// The BBS's Mailbox tab: this node's end-to-end encrypted mail (the /mail endpoints, which all
// need the API token). The inbox (who, when, by which path, the text), a form to write to an
// identity (its signing pubkey), and the sent messages with where each stands: queued,
// deposited in the mailbox, or delivered to the recipient's node. New mail arrives live over
// /mail/stream ("mail" events, read with fetch() so that the token goes in a header); while
// the stream is not there, /mail/inbox is polled. A node without mail (404 "not_enabled")
// says so in the tab.
//
// The texts and names come from other identities: they reach the page only as text nodes and
// attribute values (SM.el), never as markup.
'use strict';

const BbsMail = (() => {
  const {el, $} = SM;

  const MAX_TEXT = 65511;    // bytes of UTF-8 a message holds (mailbox::MAX_PLAINTEXT)
  const PAGE = 200;          // inbox messages per read (the API's largest limit)
  const INBOX_SHOWN = 200;   // newest inbox messages on the page
  const OUTBOX_SHOWN = 50;   // newest sent messages on the page
  const REFRESH_SECONDS = 10;  // status and sent messages
  const POLL_SECONDS = 5;      // the inbox, while there is no stream
  const STREAM_SILENCE_SECONDS = 45;

  // What each state of a sent message means (MailSent::State).
  const STATES = {
    queued: ['queued', 'not taken by the mailbox or the recipient\'s node yet; the node keeps trying'],
    deposited: ['deposited', 'kept by the mailbox until the recipient\'s node fetches it'],
    delivered: ['delivered', 'the recipient\'s node acknowledged it over a direct link'],
  };

  const state = {
    open: false,        // the tab is shown
    inbox: new Map(),   // inbox id -> message
    lastId: 0,          // the highest inbox id read
    refreshTimer: null,
    pollTimer: null,
    stream: null,       // the AbortController of the open /mail/stream
    watchdog: null,
    busy: false,
  };

  const isObject = (v) => !!v && typeof v === 'object' && !Array.isArray(v);
  const str = (v) => (v === undefined || v === null ? '' : String(v));

  function showState(kind, text) {
    const p = $('mail-state');
    p.setAttribute('data-state', kind);
    p.textContent = text;
    p.hidden = !text;
  }

  function showView(view) {  // locked | off | on
    $('mail-locked').hidden = view !== 'locked';
    $('mail-body').hidden = view !== 'on';
  }

  // ---- Reading --------------------------------------------------------------------------------

  function timeOf(ts) {
    const n = Number(ts);
    const when = new Date(n * 1000);
    if (!(n > 0) || isNaN(when.getTime())) return null;
    return el('time', {class: 'age', datetime: when.toISOString(), title: when.toLocaleString(), 'data-ts': n},
              SM.ago(n));
  }

  function renderReceived(m) {
    const path = str(m.path);
    return el('li', {class: 'mail-item', 'data-id': str(m.id), 'data-path': path || null,
                     'data-from': str(m.from_id)},
      el('div', {class: 'mail-head'},
        el('span', {class: 'num'}, '#' + str(m.id)),
        el('span', {class: 'mail-from', title: 'signing id ' + str(m.from_id) + '\nsigning pubkey ' + str(m.from)},
           'from ' + SM.shortId(str(m.from_id), 8, 4)),
        el('span', {class: 'mail-path mail-path-' + (path === 'direct' || path === 'mailbox' ? path : 'other'),
                    title: path === 'direct' ? 'came over a direct link' : 'fetched from the mailbox'}, path || '?'),
        timeOf(m.received),
        el('button', {type: 'button', class: 'mail-reply', title: 'Write to this identity',
                      onclick: () => replyTo(m)}, '[Reply]')),
      el('p', {class: 'mail-text'}, str(m.text)));
  }

  function renderInbox() {
    const shown = [...state.inbox.values()].sort((a, b) => Number(b.id) - Number(a.id)).slice(0, INBOX_SHOWN);
    $('mail-inbox').replaceChildren(...shown.map(renderReceived));
    $('mail-inbox-empty').hidden = shown.length > 0;
    SM.setText('mail-inbox-summary', '(' + state.inbox.size + ')');
  }

  // Adds inbox messages (from a read or the stream); true if any was new.
  function accept(messages) {
    let added = false;
    for (const m of messages) {
      if (!isObject(m)) continue;
      const id = Number(m.id);
      if (!Number.isSafeInteger(id) || id < 1 || state.inbox.has(id)) continue;
      state.inbox.set(id, m);
      state.lastId = Math.max(state.lastId, id);
      added = true;
    }
    if (state.inbox.size > INBOX_SHOWN) {
      const ids = [...state.inbox.keys()].sort((a, b) => a - b);
      ids.slice(0, ids.length - INBOX_SHOWN).forEach((id) => state.inbox.delete(id));
    }
    if (added) renderInbox();
    return added;
  }

  // Reads the inbox after the last id read, a page at a time.
  async function readInbox() {
    for (let pages = 0; pages < 50; ++pages) {
      const data = await SM.request('GET', '/mail/inbox?after=' + state.lastId + '&limit=' + PAGE,
                                    undefined, SM.token());
      const list = isObject(data) && Array.isArray(data.messages) ? data.messages : [];
      accept(list);
      if (list.length < PAGE) break;
    }
    renderInbox();
  }

  function renderSent(m) {
    const st = str(m.state);
    const known = Object.prototype.hasOwnProperty.call(STATES, st) ? STATES[st] : null;
    const error = typeof m.last_error === 'string' && m.last_error ? m.last_error : '';
    return el('li', {class: 'mail-item', 'data-id': str(m.id), 'data-state': st, 'data-to': str(m.to_id)},
      el('div', {class: 'mail-head'},
        el('span', {class: 'num'}, '#' + str(m.id)),
        el('span', {class: 'mail-to', title: 'signing id ' + str(m.to_id) + '\nsigning pubkey ' + str(m.to)},
           'to ' + SM.shortId(str(m.to_id), 8, 4)),
        el('span', {class: 'state mail-state-' + (known ? st : 'other'),
                    title: known ? known[1] : 'the node says: ' + st}, known ? known[0] : st || '?'),
        timeOf(m.created)),
      el('p', {class: 'mail-text'}, str(m.text)),
      error ? el('p', {class: 'mail-error', title: 'why the last try failed'}, error) : null);
  }

  async function readOutbox() {
    let error = '';
    try {
      const data = await SM.request('GET', '/mail/outbox?limit=' + OUTBOX_SHOWN, undefined, SM.token());
      const list = isObject(data) && Array.isArray(data.messages) ? data.messages.filter(isObject) : [];
      $('mail-outbox').replaceChildren(...list.map(renderSent));
      $('mail-outbox-empty').hidden = list.length > 0;
      const queued = list.filter((m) => m.state === 'queued').length;
      SM.setText('mail-outbox-summary', '(' + list.length + (queued ? ', ' + queued + ' queued' : '') + ')');
    } catch (e) {
      error = 'Cannot read the sent messages: ' + SM.describeError(e);
    }
    $('mail-outbox-error').textContent = error;
    $('mail-outbox-error').hidden = !error;
  }

  // The mail client's state line, from /mail/status.
  function statusText(s) {
    if (!isObject(s)) return 'Mail is on.';
    const parts = ['mailbox ' + (s.mailbox ? str(s.mailbox) : '—')];
    if (typeof s.registered === 'boolean') parts.push(s.registered ? 'registered' : 'not registered yet');
    if (typeof s.connected === 'boolean') parts.push(s.connected ? 'connected' : 'not connected');
    if (s.queued !== undefined) parts.push(str(s.queued) + ' queued');
    let text = parts.join(' · ');
    if (typeof s.last_error === 'string' && s.last_error) text += ' — last error: ' + s.last_error;
    return text;
  }

  // Reads everything again: status, inbox, sent messages. A node without mail, or a missing
  // token, is shown as such.
  async function refresh() {
    if (!state.open) return;
    if (!SM.token()) {
      showState('locked', '');
      showView('locked');
      stopLive();
      return;
    }
    if (state.busy) return;
    state.busy = true;
    try {
      const s = await SM.request('GET', '/mail/status', undefined, SM.token());
      showState('on', statusText(s));
      showView('on');
      await Promise.all([readInbox(), readOutbox()]);
      if (!state.stream && !state.pollTimer) startLive();
    } catch (e) {
      if (e.status === 404 && e.error === 'not_enabled') {
        showState('off', 'Mail is not enabled on this node. ' + (e.detail || ''));
        showView('off');
        stopLive();
      } else if (e.status === 401) {
        SM.forgetToken();
        showState('locked', 'Wrong API token (HTTP 401).');
        showView('locked');
        stopLive();
      } else {
        showState('error', 'Cannot read the mail: ' + SM.describeError(e));
      }
    } finally {
      state.busy = false;
    }
  }

  // ---- Live: /mail/stream, or polling -----------------------------------------------------------

  function stopLive() {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
    clearTimeout(state.watchdog);
    const ctl = state.stream;
    state.stream = null;
    if (ctl) ctl.abort();
  }

  function startLive() {
    stopLive();
    if (typeof fetch === 'undefined' || typeof ReadableStream === 'undefined') return poll();
    const ctl = new AbortController();
    state.stream = ctl;
    readStream(ctl);
  }

  function feed(ctl) {
    clearTimeout(state.watchdog);
    state.watchdog = setTimeout(() => { if (state.stream === ctl) ctl.abort(); },
                                STREAM_SILENCE_SECONDS * 1000);
  }

  // One event block: "mail" events carry an inbox message.
  function onEvent(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (event !== 'mail' || !data.length) return;
    const m = SM.parseJson(data.join('\n'));
    // A gap (an id past the next one) is read from the inbox.
    if (isObject(m) && Number(m.id) > state.lastId + 1) readInbox().catch(() => {});
    else if (isObject(m)) accept([m]);
  }

  async function readStream(ctl) {
    try {
      const res = await fetch('/mail/stream', {headers: {Accept: 'text/event-stream', Authorization: 'Bearer ' + SM.token()},
                                               signal: ctl.signal, cache: 'no-store'});
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      if (state.stream !== ctl) return;
      $('mail-panel').setAttribute('data-live', 'stream');
      feed(ctl);
      // What arrived between the last read and the stream's start.
      readInbox().catch(() => {});
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const {value, done} = await reader.read();
        if (done || state.stream !== ctl) break;
        feed(ctl);
        buf += decoder.decode(value, {stream: true});
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          onEvent(buf.slice(0, end));
          buf = buf.slice(end + 2);
        }
      }
    } catch (e) { /* refused, dropped or aborted: below */ }
    if (state.stream !== ctl) return;  // stopped on purpose
    state.stream = null;
    clearTimeout(state.watchdog);
    poll();
  }

  // Reads the inbox every POLL_SECONDS while the tab is open and there is no stream.
  async function poll() {
    if (!state.open || state.stream) return;
    $('mail-panel').setAttribute('data-live', 'polling');
    try { await readInbox(); } catch (e) { /* the next round, or refresh() says why */ }
    if (!state.open || state.stream) return;
    clearTimeout(state.pollTimer);
    state.pollTimer = setTimeout(poll, POLL_SECONDS * 1000);
  }

  // ---- Writing --------------------------------------------------------------------------------

  function replyTo(m) {
    $('mail-to').value = str(m.from);
    $('mail-text').focus();
  }

  function updateCount() {
    const n = SM.utf8Length($('mail-text').value);
    const c = $('mail-count');
    c.textContent = n + '/' + MAX_TEXT + ' bytes';
    c.classList.toggle('over', n > MAX_TEXT);
  }

  async function send() {
    const to = $('mail-to').value.trim().toLowerCase();
    const text = $('mail-text').value;
    if (!/^0[23][0-9a-f]{64}$/.test(to)) {
      SM.flash('The recipient is a signing pubkey: 66 hex digits starting 02 or 03.', 'error');
      return;
    }
    if (!text.trim()) { SM.flash('Write something first.', 'error'); return; }
    const n = SM.utf8Length(text);
    if (n > MAX_TEXT) { SM.flash('Too long: ' + n + ' bytes, a message holds ' + MAX_TEXT + '.', 'error'); return; }
    try {
      const r = await SM.authed('POST', '/mail/send', {to, text});
      const s = isObject(r) && isObject(r.sent) ? r.sent : {};
      const st = Object.prototype.hasOwnProperty.call(STATES, str(s.state)) ? s.state : 'queued';
      SM.flash('Mail #' + str(s.id) + ' to ' + SM.shortId(str(s.to_id), 8, 4) + ' ' + STATES[st][0], 'ok');
      $('mail-text').value = '';
      updateCount();
      readOutbox();
    } catch (e) {
      // The node keeps a bounded number of messages waiting to go out.
      SM.flash('Not sent: ' + (e.status === 429 && e.error === 'outbox_full'
        ? 'the mail outbox is full: ' + (e.detail || 'try again once some have gone out')
        : SM.describeError(e)), 'error');
    }
  }

  // ---- The tab ----------------------------------------------------------------------------------

  function show() {
    if (state.open) return;
    state.open = true;
    refresh();
    state.refreshTimer = setInterval(() => {
      refresh();
      document.querySelectorAll('#mail-panel time.age[data-ts]').forEach((t) => {
        t.textContent = SM.ago(Number(t.getAttribute('data-ts')));
      });
    }, REFRESH_SECONDS * 1000);
  }

  function hide() {
    state.open = false;
    clearInterval(state.refreshTimer);
    state.refreshTimer = null;
    stopLive();
  }

  // The token was given or forgotten: read again with it, or lock the tab.
  function tokenChanged() {
    stopLive();
    state.inbox.clear();
    state.lastId = 0;
    refresh();
  }

  function init() {
    $('mail-form').addEventListener('submit', (ev) => { ev.preventDefault(); send(); });
    $('mail-text').addEventListener('input', updateCount);
    $('mail-unlock').addEventListener('click', async () => {
      await SM.useToken('The mailbox shows this node\'s private mail with its API token.');
    });
    updateCount();
  }

  return {init, show, hide, tokenChanged};
})();
