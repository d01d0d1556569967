// The dashboard: the network and its catch-up progress, node health and identity, the relays in
// use and the identities known through them, the last five messages, messages per hour by type
// (a hand-drawn SVG), and the EMERGENCY banner.
'use strict';

(() => {
  const {el, $} = SM;
  const HOURS = 24;
  const COLORS = {
    MINER_MESSAGE: '#33ff99',
    POOL_ANNOUNCE: '#66ccff',
    NODE_STATUS: '#888888',
    MERGED_STATUS: '#bb88ff',
    VERSION_SIGNAL: '#ffcc33',
    EMERGENCY: '#ff4444',
    TRANSITION_SIGNAL: '#ff9933',
  };

  const state = {
    messages: new Map(),  // message_hash -> message (the recent ones, for the list and banner)
    hours: [],            // [{start, counts: {TYPE: n}}], oldest first
    health: null,         // the last /health answer
  };

  // ---- Health and identity -----------------------------------------------------------------

  async function loadHealth() {
    const h = await SM.get('/health');
    state.health = h;
    SM.showNetwork(h);
    SM.setText('h-status', h.status);
    SM.setText('h-version', h.version);
    SM.setText('h-uptime', h.uptime === undefined ? undefined : SM.duration(h.uptime));
    SM.setText('h-peers', h.peers);
    SM.setText('h-shares', h.shares);
    const best = $('h-best');
    best.textContent = h.best_share ? SM.shortId(h.best_share, 10, 6) : '—';
    best.title = h.best_share || '';
    SM.setText('h-outbox', h.outbox_depth === undefined ? undefined : h.outbox_depth + ' queued');
    SM.setText('updated', 'updated ' + new Date().toLocaleTimeString());
  }

  async function loadIdentity() {
    const i = await SM.get('/msg/identity');
    const rows = [];
    const row = (k, v, title) => rows.push(el('dt', {}, k), el('dd', {title}, v === undefined || v === null ? '—' : String(v)));
    if (i.messaging_enabled) {
      row('address', i.address);
      row('signing id', SM.shortId(i.signing_id, 10, 6), i.signing_id);
      row('key index', i.key_index);
      row('signed', i.messages_signed);
    } else if (state.health && state.health.follower === true) {
      // A follower: it could not send with a key either.
      row('messaging', 'read-only', i.error || '');
      row('why', 'this node follows the ' + String(state.health.network || '') +
          ' sharechain and makes no shares; messages there are sent by a pool node that embeds the sharemsg library');
    } else {
      if (i.address) row('address', i.address);
      row('messaging', 'read-only', i.error || '');
      row('why', i.error || 'no signing key configured');
    }
    $('identity').replaceChildren(...rows);
  }

  // ---- Network: relays and identities (/net/peers) ------------------------------------------

  function fillTable(id, emptyId, rows) {
    const table = $(id);
    table.tBodies[0].replaceChildren(...rows);
    table.hidden = rows.length === 0;
    $(emptyId).hidden = rows.length !== 0;
  }

  // This node's public address and NAT type, as --stun found them (/net/self).
  function renderSelf(s) {
    const line = $('self-line');
    line.dataset.nat = s.nat;
    if (!(s.stun_servers || []).length) {
      line.textContent = 'Public address and NAT type unknown: no STUN server named ' +
        '(start sharemsgd with --stun HOST:PORT).';
    } else if (!s.refreshes) {
      line.textContent = 'Finding the NAT type through ' + s.stun_servers.join(', ') + '…';
    } else {
      const r = s.report || {};
      line.textContent = 'NAT ' + s.nat + ' · public endpoint ' + (s.public_endpoint || 'unknown') +
        ' · mapping ' + s.mapping + ', filtering ' + s.filtering + ' · ' +
        (r.server ? 'found through ' + r.server : 'no STUN server answered') + ' ' +
        SM.ago(s.refreshed);
    }
  }

  // The direct link's path (direct, punched, relayed, none); its pair, round trip and last
  // error in the tooltip.
  function linkCell(p) {
    const l = p.link;
    let title = '';
    if (l && l.selected) title = l.selected.local + ' → ' + l.selected.remote;
    if (l && l.rtt_ms) title += (title ? ' · ' : '') + 'rtt ' + l.rtt_ms.toFixed(1) + ' ms';
    if (l && l.last_error) title += (title ? ' · ' : '') + l.last_error;
    const text = !l ? 'none' : l.state === 'up' ? p.path : l.state === 'failed' ? 'failed' :
      l.state === 'connecting' ? 'connecting…' : 'none';
    return el('td', {title, class: 'path'}, text);
  }

  async function loadNetwork() {
    const [n, self] = await Promise.all([SM.get('/net/peers'), SM.get('/net/self')]);
    renderSelf(self);
    const cell = (v, title) => el('td', {title: title || ''}, v === undefined || v === null ? '—' : String(v));
    fillTable('relays', 'relays-empty', (n.relays || []).map((r) => {
      const tr = el('tr', {}, cell(r.url), cell(r.state), cell(r.registrations), cell(r.lookups),
                    cell(r.state === 'ok' ? '—' : r.last_error || '—'));
      tr.dataset.state = r.state;
      return tr;
    }));
    fillTable('identities', 'identities-empty', (n.identities || []).map((p) => {
      const tr = el('tr', {},
        cell(SM.shortId(p.signing_id, 10, 6), p.signing_id),
        cell(SM.shortId(p.master_hash, 10, 6), p.master_hash),
        cell((p.endpoints || []).join(' ')),
        cell(p.nat),
        cell(p.last_seen ? SM.ago(p.last_seen) : null,
             p.last_seen ? new Date(p.last_seen * 1000).toISOString() : ''),
        cell(p.source),
        linkCell(p));
      tr.dataset.path = p.path || 'none';
      return tr;
    }));
  }

  // ---- Latest messages and the banner --------------------------------------------------------

  function renderLatest() {
    const all = [...state.messages.values()].sort((a, b) => b.timestamp - a.timestamp);
    const five = all.slice(0, 5);
    $('latest').replaceChildren(...five.map((m) => el('li', {class: 'msg', 'data-type': m.type_name},
      el('div', {class: 'msg-head'},
        SM.sender(m),
        el('span', {class: 'type type-' + String(m.type_name).toLowerCase()}, SM.TYPE_LABEL[m.type_name] || m.type_name),
        SM.badge(m),
        el('span', {class: 'age'}, SM.ago(m.timestamp))),
      el('p', {class: 'msg-text'}, SM.messageText(m)))));
    $('latest-empty').hidden = five.length > 0;
    SM.updateBanner(all);
  }

  async function loadMessages() {
    const [recent, alerts, stats] = await Promise.all([
      SM.get('/msg/recent?limit=200'),
      SM.get('/msg/alerts?limit=50').catch(() => ({alerts: []})),
      SM.get('/msg/stats').catch(() => null),
    ]);
    state.messages.clear();
    for (const m of [...(recent.messages || []), ...(alerts.alerts || [])]) {
      live.accept(m);
      state.messages.set(m.message_hash, m);
    }
    renderLatest();
    if (stats) {
      SM.setText('s-total', stats.total_messages + ' of ' + stats.store_capacity);
      SM.setText('s-hour', stats.messages_per_hour);
      SM.setText('s-signers', stats.known_signers + ' (' + stats.revoked_keys + ' revoked)');
    }
    return recent.messages || [];
  }

  // ---- Activity chart ----------------------------------------------------------------------

  // /msg/activity?hours=24; a node without it gets the chart from the recent messages.
  async function loadActivity(recent) {
    try {
      const a = await SM.get('/msg/activity?hours=' + HOURS);
      state.hours = (a.hours || []).map((h) => ({start: Number(h.start), counts: {...h.counts}}));
    } catch (e) {
      const now = Math.floor(Date.now() / 1000 / 3600) * 3600;
      state.hours = [];
      for (let i = HOURS - 1; i >= 0; i--) state.hours.push({start: now - i * 3600, counts: {}});
      for (const m of recent) countMessage(m);
    }
    renderChart();
  }

  function countMessage(m) {
    const h = state.hours.find((x) => m.timestamp >= x.start && m.timestamp < x.start + 3600);
    if (!h) return false;
    h.counts[m.type_name] = (Number(h.counts[m.type_name]) || 0) + 1;
    return true;
  }

  function niceMax(v) {
    if (v <= 5) return 5;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const k of [1, 2, 2.5, 5, 10]) if (k * p >= v) return k * p;
    return 10 * p;
  }

  function renderChart() {
    // Drawn at the width it is shown at, so that its text stays readable on a phone.
    const W = Math.max(300, Math.min(1000, Math.round($('chart').clientWidth) || 600));
    const H = W < 500 ? 180 : 200, L = 34, R = 6, T = 8, B = 24;
    const hours = state.hours;
    const n = Math.max(1, hours.length);
    const totals = hours.map((h) => Object.values(h.counts).reduce((s, x) => s + (Number(x) || 0), 0));
    const max = niceMax(Math.max(0, ...totals));
    const bw = (W - L - R) / n;
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const svg = el('svg:svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img',
                               'aria-label': 'messages per hour by type over the last ' + n + ' hours'});
    // Grid and y labels.
    for (const f of [0, 0.5, 1]) {
      const v = max * f;
      svg.append(el('svg:line', {x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid-line'}));
      svg.append(el('svg:text', {x: L - 4, y: y(v) + 4, class: 'axis', 'text-anchor': 'end'}, Number.isInteger(v) ? String(v) : v.toFixed(1)));
    }
    // Stacked bars.
    hours.forEach((h, i) => {
      let acc = 0;
      const x = L + i * bw + 1;
      for (const type of SM.TYPES) {
        const c = Number(h.counts[type]) || 0;
        if (!c) continue;
        const r = el('svg:rect', {x, width: Math.max(1, bw - 2), y: y(acc + c), height: y(acc) - y(acc + c),
                                  fill: COLORS[type] || '#cccccc', class: 'bar', 'data-type': type});
        r.append(el('svg:title', {}, new Date(h.start * 1000).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'}) +
                    ' ' + type + ': ' + c));
        svg.append(r);
        acc += c;
      }
    });
    // x labels: hours ago.
    const step = W < 500 ? 12 : 6;
    for (let i = 0; i < n; i += step) {
      const ago = n - i;
      svg.append(el('svg:text', {x: L + i * bw + bw / 2, y: H - 8, class: 'axis', 'text-anchor': 'middle'}, '-' + ago + 'h'));
    }
    svg.append(el('svg:text', {x: W - R - bw / 2, y: H - 8, class: 'axis', 'text-anchor': 'middle'}, 'now'));
    $('chart').replaceChildren(svg);
    const present = SM.TYPES.filter((t) => hours.some((h) => Number(h.counts[t]) > 0));
    $('chart-legend').replaceChildren(...(present.length ? present : ['MINER_MESSAGE', 'NODE_STATUS']).map((t) =>
      el('li', {}, el('span', {class: 'swatch', 'data-type': t}), ' ' + (SM.TYPE_LABEL[t] || t))));
    document.querySelectorAll('.swatch[data-type]').forEach((s) => {
      s.style.background = COLORS[s.getAttribute('data-type')] || '#cccccc';
    });
  }

  // ---- Live --------------------------------------------------------------------------------

  function addLive(m) {
    state.messages.set(m.message_hash, m);
    renderLatest();
    if (!countMessage(m) && m.timestamp >= (state.hours.length ? state.hours[state.hours.length - 1].start + 3600 : 0)) {
      // A new hour began: shift the window.
      const start = Math.floor(m.timestamp / 3600) * 3600;
      state.hours.push({start, counts: {}});
      while (state.hours.length > HOURS) state.hours.shift();
      countMessage(m);
    }
    renderChart();
  }

  async function loadAll() {
    const recent = await loadMessages();
    // The identity after /health: a follower's says why it cannot send.
    const health = loadHealth();
    await Promise.all([health, health.catch(() => {}).then(loadIdentity).catch(() => {}), loadActivity(recent),
                       loadNetwork().catch(() => {})]);
  }

  const live = new SM.Live({
    onMessage: addLive,
    onResync: () => loadAll().catch(() => {}),
    onState: SM.showConnection,
  });

  document.addEventListener('DOMContentLoaded', () => {
    loadAll()
      .catch((e) => SM.setText('h-status', SM.describeError(e)))
      .finally(() => live.start());
    setInterval(() => {
      if (live.state === 'disconnected') return;
      loadHealth().catch(() => {});
      loadNetwork().catch(() => {});
    }, 10000);
    setInterval(renderLatest, 15000);  // ages, and alarms that expire
    let resizeTimer;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(renderChart, 200);
    });
  });
})();
