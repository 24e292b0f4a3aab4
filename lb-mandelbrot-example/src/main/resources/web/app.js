// The Mandelbrot page: starts render jobs, draws their tiles as they arrive, and keeps the
// workers' dashboard up to date. The API it uses is described in docs/web-api.md.
'use strict';

const HOME = { re: -0.75, im: 0, zoom: 1 };
const state = {
  re: HOME.re, im: HOME.im, zoom: HOME.zoom,
  job: null,      // id of the render being shown
  since: 0,       // tiles of that render already received
  drawn: 0,       // tiles of that render already painted
  total: 0,
  finished: false,
  view: null,     // the rendered region, from the server
  owners: [],     // per tile: {x, y, w, h, worker}
  status: null,   // the last dashboard answer
};

const $ = (id) => document.getElementById(id);
const image = $('image');
const overlay = $('overlay');

function colour(worker) {
  if (worker === 'cache') return 'rgba(128,128,128,0.35)';
  let h = 0;
  for (const c of worker) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  // Spread consecutive ids ("worker-1", "worker-2", ...) around the wheel.
  const n = parseInt(worker.replace(/\D+/g, ''), 10);
  const hue = Number.isNaN(n) ? h % 360 : (n * 137) % 360;
  return `hsla(${hue}, 85%, 55%, 0.3)`;
}

function showError(message) {
  const e = $('error');
  e.textContent = message;
  e.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

async function call(method, url) {
  let res;
  try {
    res = await fetch(url, { method });
  } catch (e) {
    throw new Error('the front end does not answer: ' + e.message);
  }
  const body = await res.json().catch(() => ({ message: 'HTTP ' + res.status }));
  if (!res.ok) {
    throw new Error(body.message || body.error || ('HTTP ' + res.status));
  }
  return body;
}

function formParams() {
  const p = new URLSearchParams();
  p.set('re', String(state.re));
  p.set('im', String(state.im));
  p.set('zoom', String(state.zoom));
  for (const name of ['width', 'height', 'maxIter', 'tile', 'picker']) {
    p.set(name, $(name).value.trim());
  }
  return p;
}

async function render() {
  clearError();
  let job;
  try {
    job = await call('POST', '/api/renders?' + formParams());
  } catch (e) {
    showError(e.message);
    return;
  }
  state.job = job.id;
  state.since = 0;
  state.drawn = 0;
  state.total = job.total;
  state.finished = false;
  state.view = job.view;
  state.owners = [];
  image.dataset.job = job.id;
  image.dataset.state = 'running';
  for (const c of [image, overlay]) {
    c.width = job.view.width;
    c.height = job.view.height;
  }
  const ctx = image.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, image.width, image.height);
  const num = (x, digits) => String(Number(x.toPrecision(digits)));
  $('where').textContent = `centre ${num(state.re, 15)} ${state.im >= 0 ? '+' : '-'} `
    + `${num(Math.abs(state.im), 15)}i, zoom ${num(state.zoom, 6)}`;
  take(job);
}

function take(job) {
  if (job.id !== state.job) return; // an older render
  state.since = job.next;
  const ctx = image.getContext('2d');
  for (const t of job.tiles) {
    state.owners.push(t);
    const img = new Image();
    img.onload = () => {
      if (job.id !== state.job) return;
      ctx.drawImage(img, t.x, t.y);
      state.drawn++;
      shade();
      progress(job);
    };
    img.src = 'data:image/png;base64,' + t.png;
  }
  progress(job);
  if (job.state === 'running') {
    setTimeout(() => poll(job.id), 50);
  } else {
    state.finished = true;
    state.lastJob = job;
    if (job.state === 'failed') {
      showError(job.error);
      image.dataset.state = 'failed';
    }
    progress(job);
  }
}

async function poll(id) {
  if (id !== state.job) return;
  try {
    take(await call('GET', `/api/renders/${id}?since=${state.since}&waitMs=2000`));
  } catch (e) {
    showError(e.message);
  }
}

function progress(job) {
  const bar = $('progress');
  bar.max = job.total;
  bar.value = state.drawn;
  const parts = [`${state.drawn} / ${job.total} tiles`];
  parts.push(`${job.cached} cached`, `${job.retries} retries`, `${job.hedges} hedges`);
  parts.push(`${job.picker}`);
  if (state.finished && state.drawn === job.total && job.state === 'done') {
    parts.unshift(`done in ${job.elapsedMs.toFixed(0)} ms`);
    $('progress-text').textContent = parts.join(' · ');
    image.dataset.state = 'done';
    image.dataset.elapsedMs = String(job.elapsedMs);
  } else {
    parts.push(`${job.elapsedMs.toFixed(0)} ms`);
    $('progress-text').textContent = parts.join(' · ');
  }
}

function shade() {
  const ctx = overlay.getContext('2d');
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  if (!$('shade').checked) return;
  for (const t of state.owners) {
    ctx.fillStyle = colour(t.worker);
    ctx.fillRect(t.x, t.y, t.w, t.h);
    ctx.strokeStyle = 'rgba(255,255,255,0.25)';
    ctx.strokeRect(t.x + 0.5, t.y + 0.5, t.w - 1, t.h - 1);
  }
}

// ---- zooming: a click zooms in 2x at the point, a dragged box zooms into the box

function toPixel(ev) {
  const r = overlay.getBoundingClientRect();
  return {
    x: (ev.clientX - r.left) * overlay.width / r.width,
    y: (ev.clientY - r.top) * overlay.height / r.height,
  };
}

function toPlane(p) {
  const v = state.view;
  return {
    re: v.reMin + (p.x / v.width) * (v.reMax - v.reMin),
    im: v.imMax - (p.y / v.height) * (v.imMax - v.imMin),
  };
}

let drag = null;
overlay.addEventListener('mousedown', (ev) => {
  if (!state.view) return;
  drag = { from: toPixel(ev), to: toPixel(ev) };
});
overlay.addEventListener('mousemove', (ev) => {
  if (!drag) return;
  drag.to = toPixel(ev);
  shade();
  const ctx = overlay.getContext('2d');
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 2;
  ctx.setLineDash([6, 4]);
  ctx.strokeRect(drag.from.x, drag.from.y, drag.to.x - drag.from.x, drag.to.y - drag.from.y);
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
});
window.addEventListener('mouseup', (ev) => {
  if (!drag) return;
  const d = drag;
  drag = null;
  d.to = toPixel(ev);
  const w = Math.abs(d.to.x - d.from.x);
  const h = Math.abs(d.to.y - d.from.y);
  const v = state.view;
  if (w < 6 && h < 6) {
    const c = toPlane(d.from);
    state.re = c.re;
    state.im = c.im;
    state.zoom = state.zoom * 2;
  } else {
    const c = toPlane({ x: (d.from.x + d.to.x) / 2, y: (d.from.y + d.to.y) / 2 });
    state.re = c.re;
    state.im = c.im;
    state.zoom = state.zoom * Math.min(v.width / Math.max(w, 1), v.height / Math.max(h, 1));
  }
  render();
});

$('view-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  render();
});
$('zoom-out').addEventListener('click', () => {
  state.zoom = Math.max(0.01, state.zoom / 2);
  render();
});
$('reset').addEventListener('click', () => {
  Object.assign(state, HOME);
  render();
});
$('shade').addEventListener('change', shade);

// ---- dashboard

function cell(text, cls) {
  const td = document.createElement('td');
  if (cls) td.className = cls;
  td.textContent = text;
  return td;
}

function button(label, id, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.id = id;
  b.dataset.action = action;
  return b;
}

function pct(x) {
  return (100 * x).toFixed(1) + '%';
}

function showStatus(s) {
  state.status = s;
  $('picker-now').textContent = `(${s.picker}, ${s.healthy} of ${s.endpoints.length} healthy)`;
  const picker = $('picker');
  if (picker.options.length === 0) {
    for (const p of s.pickers) picker.add(new Option(p, p));
    picker.value = s.picker;
  }
  $('replacing').checked = s.replacing;
  $('replacing').disabled = !s.local;
  $('add-worker').disabled = !s.local;

  const last = s.lastRender;
  const per = last ? last.perWorker : {};
  const total = last ? last.total : 0;
  const body = $('workers').tBodies[0];
  body.replaceChildren();
  const shown = new Set();
  for (const e of s.endpoints) {
    shown.add(e.id);
    const tr = document.createElement('tr');
    tr.dataset.id = e.id;
    if (e.killed) tr.className = 'killed';
    else if (e.slow > 1) tr.className = 'slow';
    const sw = document.createElement('td');
    sw.innerHTML = '<span class="swatch"></span>';
    sw.firstChild.style.background = colour(e.id).replace('0.3)', '1)');
    tr.append(sw, cell(e.id, 'id'));
    const health = e.killed ? e.health + ' (killed)' : e.slow > 1 ? e.health + ` (slow ${e.slow}x)` : e.health;
    tr.append(cell(health, 'health health-' + e.health));
    tr.append(cell(e.inFlight, 'in-flight'));
    const tiles = per[e.id] || 0;
    tr.append(cell(tiles, 'tiles'), cell(total ? pct(tiles / total) : '', 'share'));
    tr.append(cell(e.successes, 'successes'), cell(e.failures, 'failures'), cell(e.ejections, 'ejections'));
    tr.append(cell(e.latencyEwmaMs.toFixed(1), 'ewma'), cell(pct(e.recentShare), 'recent'));
    const actions = cell('', 'actions');
    if (e.local && !e.killed) {
      actions.append(e.slow > 1 ? button('Restore', e.id, 'restore') : button('Slow', e.id, 'slow'));
      actions.append(' ', button('Kill', e.id, 'kill'));
    }
    tr.append(actions);
    body.append(tr);
  }
  // Workers that rendered part of the last image and have left since (killed and replaced).
  for (const [id, tiles] of Object.entries(per)) {
    if (id === 'cache' || shown.has(id)) continue;
    const tr = document.createElement('tr');
    tr.dataset.id = id;
    tr.append(cell(''), cell(id, 'id'), cell('REMOVED', 'health health-REMOVED'), cell(''));
    tr.append(cell(tiles, 'tiles'), cell(total ? pct(tiles / total) : '', 'share'));
    for (let i = 0; i < 6; i++) tr.append(cell(''));
    body.append(tr);
  }
  const cached = per.cache || 0;
  $('cached-tiles').textContent = cached;
  $('cached-share').textContent = total ? pct(cached / total) : '';
  $('total-tiles').textContent = total;
  $('last-render').textContent = last ? `last render ${last.id} (${last.state})` : 'no render yet';

  const b = s.balance;
  const parts = [
    `recent picks ${b.recentPicks} (window ${(b.windowMs / 1000).toFixed(0)} s)`,
    `picks max/mean ${b.picksMaxOverMean.toFixed(2)}`,
    `in-flight max/mean ${b.inFlightMaxOverMean.toFixed(2)}`,
  ];
  parts.push(b.remappedShare === null ? 'remapped share n/a' : `remapped share ${pct(b.remappedShare)}`);
  $('balance').textContent = 'Balance: ' + parts.join(' · ');

  const events = $('events');
  events.replaceChildren(...s.events.map((t) => {
    const li = document.createElement('li');
    li.textContent = t;
    return li;
  }));
}

async function refresh() {
  try {
    showStatus(await call('GET', '/api/status'));
  } catch (e) {
    showError(e.message);
  }
  setTimeout(refresh, state.finished || !state.job ? 500 : 200);
}

$('workers').addEventListener('click', async (ev) => {
  const b = ev.target.closest('button[data-action]');
  if (!b) return;
  clearError();
  let url = `/api/workers/${encodeURIComponent(b.dataset.id)}/${b.dataset.action}`;
  if (b.dataset.action === 'slow') url += '?factor=' + encodeURIComponent($('slow-factor').value);
  try {
    await call('POST', url);
    showStatus(await call('GET', '/api/status'));
  } catch (e) {
    showError(e.message);
  }
});
$('add-worker').addEventListener('click', async () => {
  clearError();
  try {
    await call('POST', '/api/workers');
    showStatus(await call('GET', '/api/status'));
  } catch (e) {
    showError(e.message);
  }
});
$('replacing').addEventListener('change', async (ev) => {
  clearError();
  try {
    await call('POST', '/api/supervisor?replacing=' + ev.target.checked);
  } catch (e) {
    showError(e.message);
  }
});

refresh().then(render);
