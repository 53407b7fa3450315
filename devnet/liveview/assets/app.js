// The live view of a devnet: one snapshot a second from /api/events (see
// docs/DESIGN.md), drawn as a graph, a table and a timeline. Plain JS, no
// dependencies; every string from the server goes in as text, never markup.
'use strict';

const token = new URLSearchParams(location.search).get('token') || '';
const SVG = 'http://www.w3.org/2000/svg';
const palette = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f'];
const grey = '#c8c8c8';
const columns = [
  ['name', 'name'], ['role', 'role'], ['state', 'state'], ['height', 'height', true], ['tip', 'tip'],
  ['peers', 'peers', true], ['connected_via', 'via'], ['mempool', 'mempool', true], ['rss_bytes', 'RSS', true],
];

const collator = new Intl.Collator(undefined, { numeric: true }); // peer-2 before peer-10
const detailEvery = 2000; // ms between refreshes of the selected node's detail

let snap = null;
let detailAt = 0;
let connected = false;
let selected = null;
let sortKey = 'name';
let sortDir = 1;
const checked = new Set();
const tipColour = new Map(); // tip → palette index, kept while the tip is on some node

function el(tag, attrs, ...children) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function running(n) { return n.state === 'running'; }
function chain(n) { return n.role !== 'bootstrap'; }

// colours gives each tip a colour: the same tip the same colour while it
// lasts, so a fork shows as two colours.
function colours(nodes) {
  const live = new Set(nodes.filter(n => running(n) && chain(n) && n.tip).map(n => n.tip));
  for (const tip of tipColour.keys()) if (!live.has(tip)) tipColour.delete(tip);
  for (const tip of live) {
    if (tipColour.has(tip)) continue;
    const used = new Set(tipColour.values());
    let i = 0;
    while (used.has(i)) i++;
    tipColour.set(tip, i);
  }
}

function fill(n) {
  if (!running(n)) return grey;
  if (!chain(n)) return '#ffffff';
  const i = tipColour.get(n.tip);
  return i === undefined ? '#ffffff' : i < palette.length ? palette[i] : `hsl(${(i * 47) % 360} 60% 55%)`;
}

// groups: the bootstrap nodes; then the connected components of the running
// chain nodes over chain-to-chain links (a bootstrap relays no blocks, so it
// does not join the halves of a partition); then the chain nodes that are down.
function groups(nodes) {
  const adj = new Map(nodes.filter(n => running(n) && chain(n)).map(n => [n.name, new Set()]));
  for (const n of nodes) {
    if (!adj.has(n.name)) continue;
    for (const p of n.peers) if (adj.has(p)) { adj.get(n.name).add(p); adj.get(p).add(n.name); }
  }
  const order = new Map(nodes.map((n, i) => [n.name, i]));
  const out = [];
  const boots = nodes.filter(n => !chain(n));
  if (boots.length) out.push({ kind: 'bootstrap', label: 'bootstrap', names: boots.map(n => n.name) });
  const seen = new Set();
  let k = 0;
  for (const start of adj.keys()) {
    if (seen.has(start)) continue;
    const names = [];
    const queue = [start];
    seen.add(start);
    while (queue.length) {
      const x = queue.shift();
      names.push(x);
      for (const y of adj.get(x)) if (!seen.has(y)) { seen.add(y); queue.push(y); }
    }
    names.sort((a, b) => order.get(a) - order.get(b)); // around the circle in the devnet's order
    out.push({ kind: 'component', label: `group ${++k}: ${names.length} node${names.length > 1 ? 's' : ''}`, names });
  }
  const down = nodes.filter(n => chain(n) && !running(n)).map(n => n.name);
  if (down.length) out.push({ kind: 'down', label: `down: ${down.length}`, names: down });
  return out;
}

// layout places each group's nodes on a circle in a box of its own, the
// boxes in rows.
function layout(gs) {
  const width = 1200, pad = 40, gap = 24;
  const pos = new Map();
  let x = 0, y = 0, rowH = 0;
  for (const g of gs) {
    const k = g.names.length;
    const r = k <= 1 ? 0 : Math.max(60, (k * 58) / (2 * Math.PI));
    const size = 2 * r + 2 * pad;
    if (x > 0 && x + size > width) { x = 0; y += rowH + gap; rowH = 0; }
    g.box = { x, y, w: size, h: size + 14 };
    g.names.forEach((name, i) => {
      const a = (2 * Math.PI * i) / k - Math.PI / 2;
      pos.set(name, { x: x + size / 2 + r * Math.cos(a), y: y + 14 + size / 2 + r * Math.sin(a) });
    });
    x += size + gap;
    rowH = Math.max(rowH, g.box.h);
  }
  return { pos, width: y > 0 ? width : x - gap, height: y + rowH };
}

function renderGraph() {
  const svg = document.getElementById('graph');
  const byName = new Map(snap.nodes.map(n => [n.name, n]));
  const gs = groups(snap.nodes);
  const { pos, width, height } = layout(gs);
  // Drawn at its natural size, and shrunk to fit the page when larger.
  svg.setAttribute('viewBox', `-10 -10 ${width + 20} ${height + 20}`);
  svg.setAttribute('width', width + 20);
  svg.setAttribute('height', height + 20);
  const edges = el('svg:g', { class: 'edges' });
  const drawn = new Set();
  for (const n of snap.nodes) {
    if (!running(n)) continue;
    for (const p of n.peers) {
      const key = [n.name, p].sort().join('\u0000');
      if (drawn.has(key) || !pos.has(p) || !running(byName.get(p))) continue;
      drawn.add(key);
      const a = pos.get(n.name), b = pos.get(p);
      const boot = !chain(n) || !chain(byName.get(p));
      edges.append(el('svg:line', { class: boot ? 'edge boot' : 'edge', x1: a.x, y1: a.y, x2: b.x, y2: b.y }));
    }
  }
  const boxes = el('svg:g', {});
  const circles = el('svg:g', {});
  for (const g of gs) {
    const box = el('svg:g', { class: `group ${g.kind}`, 'data-size': g.names.length });
    box.append(el('svg:rect', { x: g.box.x, y: g.box.y, width: g.box.w, height: g.box.h, rx: 12 }));
    box.append(el('svg:text', { class: 'label', x: g.box.x + 8, y: g.box.y + 14 }, g.label));
    boxes.append(box);
    for (const name of g.names) {
      const n = byName.get(name), p = pos.get(name);
      const node = el('svg:g', {
        class: `node ${n.state}${name === selected ? ' selected' : ''}`,
        'data-name': name, 'data-state': n.state, 'data-tip': n.tip || '',
      });
      node.append(el('svg:circle', { cx: p.x, cy: p.y, r: 15, fill: fill(n) }));
      node.append(el('svg:text', { x: p.x, y: p.y + 28 }, name));
      node.append(el('svg:title', {}, `${name} (${n.role}) ${n.state}${n.error ? ': ' + n.error : ''}\nheight ${n.height} tip ${n.tip.slice(0, 12)}`));
      node.addEventListener('click', () => select(name));
      circles.append(node);
    }
  }
  svg.replaceChildren(boxes, edges, circles);
}

function cell(n, key) {
  switch (key) {
    case 'tip': {
      const td = el('td', { title: n.tip }, el('span', { class: 'swatch', style: `background:${fill(n)}` }), n.tip.slice(0, 12));
      return td;
    }
    case 'peers': return el('td', { class: 'num', title: n.peers.join(', ') }, String(n.peers.length));
    case 'rss_bytes': return el('td', { class: 'num' }, running(n) ? (n.rss_bytes / 1048576).toFixed(1) + ' MB' : '');
    case 'height': case 'mempool': return el('td', { class: 'num' }, running(n) ? String(n[key]) : '');
    case 'state': return el('td', { title: n.error || '' }, n.state);
    default: return el('td', {}, String(n[key] ?? ''));
  }
}

function sortValue(n, key) {
  return key === 'peers' ? n.peers.length : n[key];
}

function renderTable() {
  const control = snap.actions.length > 0;
  const head = document.querySelector('#nodes thead tr');
  const ths = [];
  if (control) ths.push(el('th', { title: 'checked nodes form one side of a partition' }, '✓'));
  for (const [key, label] of columns) {
    const th = el('th', { 'data-key': key }, label + (key === sortKey ? (sortDir > 0 ? ' ▲' : ' ▼') : ''));
    th.addEventListener('click', () => { sortDir = key === sortKey ? -sortDir : 1; sortKey = key; renderTable(); });
    ths.push(th);
  }
  head.replaceChildren(...ths);
  const byName = (a, b) => collator.compare(a.name, b.name);
  const rows = [...snap.nodes].sort((a, b) => {
    const x = sortValue(a, sortKey), y = sortValue(b, sortKey);
    const c = typeof x === 'string' ? collator.compare(x, y) : x - y;
    return (c || byName(a, b)) * sortDir;
  });
  const trs = rows.map(n => {
    const tr = el('tr', { 'data-name': n.name, class: `${n.state}${n.name === selected ? ' selected' : ''}` });
    if (control) {
      const box = el('input', { type: 'checkbox' });
      box.checked = checked.has(n.name);
      box.disabled = !chain(n);
      box.addEventListener('click', e => {
        e.stopPropagation();
        if (box.checked) checked.add(n.name); else checked.delete(n.name);
        renderControls();
      });
      tr.append(el('td', {}, box));
    }
    for (const [key] of columns) tr.append(cell(n, key));
    tr.addEventListener('click', () => select(n.name));
    return tr;
  });
  document.querySelector('#nodes tbody').replaceChildren(...trs);
}

function renderTimeline() {
  const items = [...snap.events].reverse().map(e =>
    el('li', { class: e.kind }, `${new Date(e.time).toLocaleTimeString()} ${e.text}`));
  document.getElementById('timeline').replaceChildren(...items);
}

function renderControls() {
  const control = snap.actions.length > 0;
  document.getElementById('controls').hidden = !control || !!snap.gone;
  document.getElementById('partition').disabled = checked.size === 0;
}

function renderBanner() {
  const banner = document.getElementById('banner');
  const text = snap && snap.gone ? snap.gone : connected ? '' : 'lost the connection to devnet ui; retrying…';
  banner.textContent = text;
  banner.hidden = !text;
}

function render() {
  document.title = `devnet ${snap.devnet}`;
  document.getElementById('title').textContent = `devnet ${snap.devnet}`;
  document.getElementById('updated').textContent = `updated ${new Date(snap.time).toLocaleTimeString()}`;
  colours(snap.nodes);
  renderGraph();
  renderTable();
  renderTimeline();
  renderControls();
  renderBanner();
  renderActions();
  if (selected && Date.now() - detailAt > detailEvery) loadDetail(selected);
}

function say(text) { document.getElementById('message').textContent = text; }

// control posts an action with the token; the server checks it, the
// Origin and the Host.
async function control(body) {
  say(`${body.action}…`);
  try {
    const r = await fetch('/api/control', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Authorization': `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const j = await r.json().catch(() => ({}));
    say(r.ok ? `${body.action}: done` : `${body.action}: ${j.error || r.status}`);
  } catch (e) {
    say(`${body.action}: ${e}`);
  }
}

function renderActions() {
  const box = document.getElementById('detail-actions');
  if (!selected || !snap || !snap.actions.length || snap.gone) { box.replaceChildren(); return; }
  if (box.dataset.node === selected && box.childElementCount) return;
  box.dataset.node = selected;
  const name = selected;
  box.replaceChildren(...snap.actions.map(a => {
    const b = el('button', { 'data-action': a }, a);
    b.addEventListener('click', () => control({ action: a, nodes: [name] }).then(() => loadDetail(name)));
    return b;
  }));
}

function select(name) {
  selected = name;
  document.getElementById('detail').hidden = false;
  document.getElementById('detail-name').textContent = name;
  if (snap) { renderGraph(); renderTable(); renderActions(); }
  loadDetail(name);
}

// loadDetail shows the node's /status and log tail as the server reads
// them now.
async function loadDetail(name) {
  detailAt = Date.now();
  const st = document.getElementById('detail-status');
  const log = document.getElementById('detail-log');
  try {
    const r = await fetch(`/api/nodes/${encodeURIComponent(name)}`);
    const d = await r.json();
    if (selected !== name) return;
    if (!r.ok) { st.textContent = d.error; log.textContent = ''; return; }
    st.textContent = d.status ? JSON.stringify(d.status, null, 2) : `not answering: ${d.status_error}`;
    log.textContent = d.log.join('\n') + (d.log_error ? `\n(log: ${d.log_error})` : '');
    log.scrollTop = log.scrollHeight;
  } catch (e) {
    st.textContent = String(e);
  }
}

document.getElementById('heal').addEventListener('click', () => control({ action: 'heal' }));
document.getElementById('partition').addEventListener('click', () => {
  const rest = snap.nodes.filter(n => chain(n) && !checked.has(n.name)).map(n => n.name);
  control({ action: 'partition', sides: [[...checked], rest] });
});

const events = new EventSource('/api/events');
events.onopen = () => { connected = true; renderBanner(); };
events.onerror = () => { connected = false; renderBanner(); };
events.onmessage = e => { connected = true; snap = JSON.parse(e.data); render(); };
