// The Mandelbrot page: starts render jobs, draws their tiles as they arrive, and keeps the
// workers' dashboard and load chart up to date. The API it uses is described in docs/web-api.md.
//
// Costs: an arriving tile touches only its own rectangle (one drawImage on the image, one
// clearRect + fill + stroke on the tint layer), so a render of n tiles draws in O(n). The
// dashboard keeps one row per worker and changes its cells' text, so its buttons are the same
// elements from one refresh to the next and a slow click still lands on them.
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
  refreshes: 0,   // dashboard answers shown so far (tests read it)
  changes: 0,     // control changes started or finished (a status asked for before one is stale)
  changing: 0,    // control changes in flight
};
window.lb4jPage = state;

const $ = (id) => document.getElementById(id);
const image = $('image');
const overlay = $('overlay');

// ---- worker colours: Okabe-Ito's colour-blind-safe set, then Paul Tol's "bright" for more

const PALETTE = [
  '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7',
  '#4477AA', '#EE6677', '#228833', '#CCBB44', '#66CCEE', '#AA3377',
];
const CACHE_COLOUR = '#9a9a9a';
const assigned = new Map(); // worker id -> colour, for ids without a number

function colour(worker) {
  if (worker === 'cache') return CACHE_COLOUR;
  const n = parseInt(String(worker).replace(/^\D+/, ''), 10);
  if (!Number.isNaN(n)) return PALETTE[(n - 1 + PALETTE.length) % PALETTE.length];
  if (!assigned.has(worker)) assigned.set(worker, PALETTE[assigned.size % PALETTE.length]);
  return assigned.get(worker);
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

// ---- the view in the URL: ?re=&im=&zoom=&maxIter=&picker= (shareable, restored on load)

function readUrl() {
  const q = new URLSearchParams(location.search);
  const num = (name) => {
    const v = q.get(name);
    const d = v === null ? NaN : Number(v);
    return Number.isFinite(d) ? d : null;
  };
  if (num('re') !== null) state.re = num('re');
  if (num('im') !== null) state.im = num('im');
  if (num('zoom') !== null && num('zoom') > 0) state.zoom = num('zoom');
  if (num('maxIter') !== null) $('maxIter').value = String(Math.trunc(num('maxIter')));
  return q.get('picker');
}

function writeUrl() {
  const q = new URLSearchParams();
  q.set('re', String(state.re));
  q.set('im', String(state.im));
  q.set('zoom', String(state.zoom));
  q.set('maxIter', $('maxIter').value.trim());
  if ($('picker').value) q.set('picker', $('picker').value);
  history.replaceState(null, '', '?' + q);
}

function formParams(recompute) {
  const p = new URLSearchParams();
  p.set('re', String(state.re));
  p.set('im', String(state.im));
  p.set('zoom', String(state.zoom));
  for (const name of ['width', 'height', 'maxIter', 'tile', 'picker']) {
    const v = $(name).value.trim();
    if (v) p.set(name, v);
  }
  if (recompute) p.set('recompute', 'true');
  return p;
}

// ---- rendering

async function render(recompute = false) {
  clearError();
  const previous = runningJob();
  let job;
  try {
    job = await call('POST', '/api/renders?' + formParams(recompute));
  } catch (e) {
    showError(e.message); // the render on screen, if any, goes on
    return;
  }
  // The new render replaces the one on screen, which stops taking the workers' time.
  if (previous) cancel(previous);
  writeUrl();
  state.started = performance.now();
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
  resetPreview();
  const ctx = image.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, image.width, image.height);
  const num = (x, digits) => String(Number(x.toPrecision(digits)));
  $('where').textContent = `centre ${num(state.re, 15)} ${state.im >= 0 ? '+' : '-'} `
    + `${num(Math.abs(state.im), 15)}i, zoom ${num(state.zoom, 6)}`;
  take(job);
}

/** The id of the render on screen while it runs, else null. */
function runningJob() {
  return state.job && !state.finished ? state.job : null;
}

// Cancels a render at the front end, which cancels its tiles in flight at the workers. The poll
// that is waiting on it answers with the state "cancelled" and ends the render on the page.
async function cancel(id) {
  try {
    await call('DELETE', `/api/renders/${encodeURIComponent(id)}`);
  } catch (e) {
    if (id === state.job) showError('cancel: ' + e.message);
  }
}

function take(job) {
  if (job.id !== state.job) return; // an older render
  $('cancel').disabled = job.state !== 'running';
  state.since = job.next;
  const ctx = image.getContext('2d');
  for (const t of job.tiles) {
    const img = new Image();
    img.onload = () => {
      if (job.id !== state.job) return;
      ctx.drawImage(img, t.x, t.y);
      state.owners.push(t);
      tint(t);
      state.drawn++;
      if (state.drawn === state.total) {
        // From the click to the last tile on screen, for comparison with the server's time.
        image.dataset.drawnMs = (performance.now() - state.started).toFixed(0);
      }
      progressSoon(job);
    };
    img.src = 'data:image/png;base64,' + t.png;
  }
  state.lastJob = job;
  progress(job);
  if (job.state === 'running') {
    setTimeout(() => poll(job.id), 50);
  } else {
    state.finished = true;
    if (job.state === 'failed') {
      showError(job.error);
      image.dataset.state = 'failed';
    } else if (job.state === 'cancelled') {
      image.dataset.state = 'cancelled';
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

// Tiles can arrive faster than frames: the progress text is written at most once a frame.
let progressPending = false;
function progressSoon(job) {
  if (state.drawn === job.total || state.drawn === state.total) {
    progress(state.lastJob || job);
    return;
  }
  if (progressPending) return;
  progressPending = true;
  requestAnimationFrame(() => {
    progressPending = false;
    progress(state.lastJob || job);
  });
}

function progress(job) {
  if (job.id !== state.job) return;
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
    if (job.state === 'cancelled') parts.unshift('cancelled');
    parts.push(`${job.elapsedMs.toFixed(0)} ms`);
    $('progress-text').textContent = parts.join(' · ');
  }
}

// ---- tints: each tile's worker colour on the overlay, on that tile's rectangle only

function tintMode() {
  return $('tint').value; // 'fill', 'outline' or 'none'
}

function tint(t) {
  const mode = tintMode();
  if (mode === 'none') return;
  const ctx = overlay.getContext('2d');
  ctx.clearRect(t.x, t.y, t.w, t.h);
  const c = colour(t.worker);
  if (mode === 'fill') {
    ctx.globalAlpha = 0.3;
    ctx.fillStyle = c;
    ctx.fillRect(t.x, t.y, t.w, t.h);
    ctx.globalAlpha = 1;
  }
  // A border in the swatch's own colour, so that a tile can be matched to the legend.
  ctx.lineWidth = 2;
  ctx.strokeStyle = c;
  ctx.strokeRect(t.x + 1, t.y + 1, t.w - 2, t.h - 2);
}

// A change of mode repaints each tile once.
function retint() {
  overlay.getContext('2d').clearRect(0, 0, overlay.width, overlay.height);
  for (const t of state.owners) tint(t);
}

// ---- zooming: a click zooms in 2x, a dragged box zooms into the box, the wheel zooms at the
// pointer; on a touch screen one finger pans and two pinch. Gestures preview by transforming the
// canvases and render once they end.

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

/**
 * Multiplies the zoom by {@code factor} and moves the centre so that plane point {@code at}
 * shows at image pixel {@code q}.
 */
function placeAt(at, q, factor) {
  const v = state.view;
  state.zoom = Math.min(1e12, Math.max(0.01, state.zoom * factor));
  const f = state.zoom / (state.zoom / factor); // the factor after clamping
  const reStep = (v.reMax - v.reMin) / v.width / f;
  const imStep = (v.imMax - v.imMin) / v.height / f;
  state.re = at.re + (v.width / 2 - q.x) * reStep;
  state.im = at.im - (v.height / 2 - q.y) * imStep;
}

/** Zooms by {@code factor} keeping the plane point under image pixel {@code p} where it is. */
function zoomAt(p, factor) {
  placeAt(toPlane(p), p, factor);
}

const preview = { scale: 1, dx: 0, dy: 0 }; // in CSS pixels of the stage
function showPreview() {
  const t = `translate(${preview.dx}px, ${preview.dy}px) scale(${preview.scale})`;
  for (const c of [image, overlay]) {
    c.style.transformOrigin = '0 0';
    c.style.transform = t;
  }
}
function resetPreview() {
  Object.assign(preview, { scale: 1, dx: 0, dy: 0 });
  for (const c of [image, overlay]) c.style.transform = '';
}

const box = $('box');
let drag = null;         // a mouse drag: {from, to} in image pixels
const touches = new Map(); // pointerId -> {x, y} in client pixels
let gesture = null;      // a touch gesture: {start: Map, centre, dist, moved}

function cssScale() {
  return overlay.getBoundingClientRect().width / overlay.width || 1;
}

overlay.addEventListener('pointerdown', (ev) => {
  if (!state.view) return;
  overlay.setPointerCapture(ev.pointerId);
  if (ev.pointerType === 'mouse') {
    if (ev.button !== 0) return;
    drag = { from: toPixel(ev), to: toPixel(ev) };
    return;
  }
  touches.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
  gesture = { start: new Map(touches), moved: false, ...spread(touches) };
  ev.preventDefault();
});

function spread(points) {
  const ps = [...points.values()];
  const cx = ps.reduce((s, p) => s + p.x, 0) / ps.length;
  const cy = ps.reduce((s, p) => s + p.y, 0) / ps.length;
  const dist = ps.length > 1 ? Math.hypot(ps[0].x - ps[1].x, ps[0].y - ps[1].y) : 0;
  return { cx, cy, dist };
}

overlay.addEventListener('pointermove', (ev) => {
  if (drag && ev.pointerType === 'mouse') {
    drag.to = toPixel(ev);
    const s = cssScale();
    const x = Math.min(drag.from.x, drag.to.x) * s;
    const y = Math.min(drag.from.y, drag.to.y) * s;
    Object.assign(box.style, {
      left: x + 'px', top: y + 'px',
      width: Math.abs(drag.to.x - drag.from.x) * s + 'px',
      height: Math.abs(drag.to.y - drag.from.y) * s + 'px',
    });
    box.hidden = false;
    return;
  }
  if (!gesture || !touches.has(ev.pointerId)) return;
  touches.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
  const now = spread(touches);
  preview.scale = gesture.dist && now.dist ? now.dist / gesture.dist : 1;
  const r = $('stage').getBoundingClientRect();
  // Keep the gesture's starting centre under the fingers' centre.
  const ox = gesture.cx - r.left;
  const oy = gesture.cy - r.top;
  preview.dx = (now.cx - r.left) - ox * preview.scale;
  preview.dy = (now.cy - r.top) - oy * preview.scale;
  gesture.moved = gesture.moved || Math.hypot(preview.dx, preview.dy) > 4 || preview.scale !== 1;
  showPreview();
});

function endTouch(ev) {
  if (!gesture || !touches.has(ev.pointerId)) return;
  touches.delete(ev.pointerId);
  if (touches.size > 0) return; // the gesture ends with its last finger
  const g = gesture;
  gesture = null;
  if (!g.moved) {
    resetPreview();
    return;
  }
  // The point under the fingers' first centre is now under their last one.
  const s = cssScale();
  const r = $('stage').getBoundingClientRect();
  const from = { x: (g.cx - r.left) / s, y: (g.cy - r.top) / s };
  const to = {
    x: (preview.dx + (g.cx - r.left) * preview.scale) / s,
    y: (preview.dy + (g.cy - r.top) * preview.scale) / s,
  };
  placeAt(toPlane(from), to, preview.scale);
  render();
}
overlay.addEventListener('pointerup', (ev) => {
  if (ev.pointerType !== 'mouse') {
    endTouch(ev);
    return;
  }
  if (!drag) return;
  const d = drag;
  drag = null;
  box.hidden = true;
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
overlay.addEventListener('pointercancel', (ev) => {
  drag = null;
  box.hidden = true;
  touches.delete(ev.pointerId);
  if (touches.size === 0) {
    gesture = null;
    resetPreview();
  }
});

// The wheel zooms about the point where a burst of wheel events began, rendering once it stops.
let wheelTimer = null;
let wheelFactor = 1;
let wheelAt = null;
overlay.addEventListener('wheel', (ev) => {
  if (!state.view) return;
  ev.preventDefault();
  if (!wheelAt) wheelAt = toPixel(ev);
  wheelFactor *= Math.pow(2, -ev.deltaY / 300);
  const s = cssScale();
  preview.scale = wheelFactor;
  preview.dx = wheelAt.x * s * (1 - wheelFactor);
  preview.dy = wheelAt.y * s * (1 - wheelFactor);
  showPreview();
  clearTimeout(wheelTimer);
  wheelTimer = setTimeout(() => {
    const at = wheelAt;
    const f = wheelFactor;
    wheelAt = null;
    wheelFactor = 1;
    zoomAt(at, f);
    render();
  }, 250);
}, { passive: false });

$('view-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  render();
});
$('cancel').addEventListener('click', () => {
  const id = runningJob();
  if (id) cancel(id);
});
$('zoom-out').addEventListener('click', () => {
  state.zoom = Math.max(0.01, state.zoom / 2);
  render();
});
$('reset').addEventListener('click', () => {
  Object.assign(state, HOME);
  render();
});
$('tint').addEventListener('change', retint);
$('picker').addEventListener('change', () => render($('recompute').checked));

// ---- dashboard: one row per worker, updated in place

const rows = new Map(); // worker id -> {tr, name, cells, slow, stop, kill}
const COLUMNS = ['health', 'in-flight', 'tiles', 'share', 'successes', 'failures', 'ejections',
  'ewma', 'recent'];

function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

function button(label, id, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.id = id;
  b.dataset.action = action;
  return b;
}

function rowFor(id) {
  let row = rows.get(id);
  if (row) return row;
  const tr = document.createElement('tr');
  tr.dataset.id = id;
  const sw = document.createElement('td');
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = colour(id);
  sw.append(swatch);
  const name = document.createElement('td');
  name.className = 'id';
  name.textContent = id;
  tr.append(sw, name);
  const cells = {};
  for (const c of COLUMNS) {
    const td = document.createElement('td');
    td.className = c;
    cells[c] = td;
    tr.append(td);
  }
  const actions = document.createElement('td');
  actions.className = 'actions';
  const slow = button('Slow', id, 'slow');
  const stop = button('Stop', id, 'stop');
  stop.title = 'SIGSTOP the worker process (Resume: SIGCONT)';
  const kill = button('Kill', id, 'kill');
  actions.append(slow, ' ', stop, ' ', kill);
  tr.append(actions);
  row = { tr, name, cells, slow, stop, kill };
  rows.set(id, row);
  return row;
}

function pct(x) {
  return (100 * x).toFixed(1) + '%';
}

function showStatus(s) {
  state.status = s;
  state.refreshes++;
  setText($('picker-now'), `(${s.picker}, ${s.healthy} of ${s.endpoints.length} healthy)`);
  const picker = $('picker');
  if (picker.options.length === 0) {
    for (const p of s.pickers) picker.add(new Option(p, p));
    picker.value = state.urlPicker && s.pickers.includes(state.urlPicker) ? state.urlPicker : s.picker;
  }
  $('replacing').checked = s.replacing;
  $('replacing').disabled = !s.local;
  $('add-worker').disabled = !s.local;
  $('scale').disabled = !s.local;
  const info = [];
  if (s.processes) info.push('one process per worker' + (s.spare ? `, spare ${s.spare}` : ''));
  if (s.draining.length) info.push('draining ' + s.draining.join(', '));
  setText($('process-info'), info.join('; '));
  if (!state.scaleTouched && document.activeElement !== $('scale-count')) {
    $('scale-count').value = s.endpoints.filter((e) => e.local).length || $('scale-count').value;
  }

  const last = s.lastRender;
  const per = last ? last.perWorker : {};
  const total = last ? last.total : 0;
  const body = $('workers').tBodies[0];
  const shown = new Set();
  let at = 0; // rows are kept in the order of the answer; a row moves only when that changes
  const place = (tr) => {
    if (body.children[at] !== tr) body.insertBefore(tr, body.children[at] || null);
    at++;
  };
  for (const e of s.endpoints) {
    shown.add(e.id);
    const row = rowFor(e.id);
    const cls = e.killed ? 'killed' : e.stopped ? 'stopped' : e.slow > 1 ? 'slow' : '';
    if (row.tr.className !== cls) row.tr.className = cls;
    setText(row.name, e.pid ? `${e.id} (pid ${e.pid})` : e.id);
    const c = row.cells;
    setText(c.health, e.killed ? e.health + ' (killed)' : e.stopped ? e.health + ' (stopped)'
      : e.slow > 1 ? e.health + ` (slow ${e.slow}x)` : e.health);
    const healthClass = 'health health-' + e.health;
    if (c.health.className !== healthClass) c.health.className = healthClass;
    setText(c['in-flight'], e.inFlight);
    const tiles = per[e.id] || 0;
    setText(c.tiles, tiles);
    setText(c.share, total ? pct(tiles / total) : '');
    setText(c.successes, e.successes);
    setText(c.failures, e.failures);
    setText(c.ejections, e.ejections);
    setText(c.ewma, e.latencyEwmaMs.toFixed(1));
    setText(c.recent, pct(e.recentShare));
    const controllable = e.local && !e.killed;
    row.slow.hidden = !controllable || Boolean(e.pid);
    row.stop.hidden = !controllable || !e.pid;
    row.kill.hidden = !controllable;
    const stopAction = e.stopped ? 'resume' : 'stop';
    if (row.stop.dataset.action !== stopAction) {
      row.stop.dataset.action = stopAction;
      row.stop.textContent = stopAction === 'resume' ? 'Resume' : 'Stop';
    }
    const slowAction = e.slow > 1 ? 'restore' : 'slow';
    if (row.slow.dataset.action !== slowAction) {
      row.slow.dataset.action = slowAction;
      row.slow.textContent = slowAction === 'restore' ? 'Restore' : 'Slow';
    }
    place(row.tr);
  }
  // Workers that rendered part of the last image and have left since (killed and replaced).
  for (const [id, tiles] of Object.entries(per)) {
    if (id === 'cache' || shown.has(id)) continue;
    shown.add(id);
    const row = rowFor(id);
    if (row.tr.className !== 'removed') row.tr.className = 'removed';
    for (const c of COLUMNS) setText(row.cells[c], '');
    setText(row.cells.health, 'REMOVED');
    row.cells.health.className = 'health health-REMOVED';
    setText(row.cells.tiles, tiles);
    setText(row.cells.share, total ? pct(tiles / total) : '');
    row.slow.hidden = true;
    row.stop.hidden = true;
    row.kill.hidden = true;
    place(row.tr);
  }
  for (const [id, row] of rows) {
    if (!shown.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
  const cached = per.cache || 0;
  setText($('cached-tiles'), cached);
  setText($('cached-share'), total ? pct(cached / total) : '');
  setText($('total-tiles'), total);
  setText($('last-render'), last ? `last render ${last.id} (${last.state})` : 'no render yet');

  const b = s.balance;
  const parts = [
    `recent picks ${b.recentPicks} (window ${(b.windowMs / 1000).toFixed(0)} s)`,
    `picks max/mean ${b.picksMaxOverMean.toFixed(2)}`,
    `in-flight max/mean ${b.inFlightMaxOverMean.toFixed(2)}`,
  ];
  parts.push(b.remappedShare === null ? 'remapped share n/a' : `remapped share ${pct(b.remappedShare)}`);
  setText($('balance'), 'Balance: ' + parts.join(' · '));

  const events = $('events');
  if (events.dataset.text !== s.events.join('\n')) {
    events.dataset.text = s.events.join('\n');
    events.replaceChildren(...s.events.map((t) => {
      const li = document.createElement('li');
      li.textContent = t;
      return li;
    }));
  }
  sample(s);
  showLegend(s);
  drawChart();
}

// ---- legend: one swatch per worker plus the cache

function showLegend(s) {
  const ids = s.endpoints.map((e) => e.id).concat('cache');
  const legend = $('legend');
  if (legend.dataset.ids === ids.join(',')) return;
  legend.dataset.ids = ids.join(',');
  legend.replaceChildren(...ids.map((id) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = colour(id);
    li.append(sw, ' ' + id);
    return li;
  }));
}

// ---- load chart: per worker, calls in flight and tiles per second over the last minute

const WINDOW_MS = 60_000;
const samples = []; // {t, workers: {id: {inFlight, successes}}}

function sample(s) {
  const t = performance.now();
  const workers = {};
  for (const e of s.endpoints) workers[e.id] = { inFlight: e.inFlight, successes: e.successes };
  samples.push({ t, workers });
  while (samples.length && samples[0].t < t - WINDOW_MS) samples.shift();
}

/**
 * Tiles per second of {@code id} at sample {@code i}: successes over the last second or so, added
 * up sample by sample. A picker change builds a new balancer, whose counters start again at 0: a
 * count below the one before is then the count since the change, not a negative step.
 */
function rate(i, id) {
  const now = samples[i];
  let j = i;
  while (j > 0 && now.t - samples[j].t < 1000) j--;
  if (now.t === samples[j].t) return 0;
  let tiles = 0;
  for (let k = j + 1; k <= i; k++) {
    const a = samples[k].workers[id];
    const b = samples[k - 1].workers[id];
    if (!a || !b) continue;
    tiles += a.successes >= b.successes ? a.successes - b.successes : a.successes;
  }
  return tiles * 1000 / (now.t - samples[j].t);
}

function drawChart() {
  const canvas = $('chart');
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(100, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(60, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  if (samples.length < 2) return;
  const ids = Object.keys(samples[samples.length - 1].workers);
  const now = samples[samples.length - 1].t;
  const panelH = h / 2;
  const pad = 4 * dpr;
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  const panels = [
    { label: 'tiles/s', value: (i, id) => rate(i, id), top: 0 },
    { label: 'in flight', value: (i, id) => (samples[i].workers[id] || {}).inFlight || 0, top: panelH },
  ];
  for (const p of panels) {
    let max = 1;
    for (let i = 0; i < samples.length; i++) for (const id of ids) max = Math.max(max, p.value(i, id));
    ctx.strokeStyle = '#dde';
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, p.top + 0.5, w - 1, panelH - 1);
    ctx.fillStyle = '#556';
    ctx.fillText(`${p.label} (max ${max < 10 ? max.toFixed(1) : max.toFixed(0)})`, pad, p.top + 12 * dpr);
    ctx.lineWidth = 1.5 * dpr;
    for (const id of ids) {
      ctx.strokeStyle = colour(id);
      ctx.beginPath();
      for (let i = 0; i < samples.length; i++) {
        const x = w - (now - samples[i].t) / WINDOW_MS * w;
        const y = p.top + panelH - pad - p.value(i, id) / max * (panelH - 18 * dpr);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
    }
  }
}

// ---- refreshing and controls

// A control's change (kill, slow, scale, replacing...) sent to the front end. While it is in flight,
// and for a status asked for before it ended, the dashboard keeps what the user set: an answer
// computed before the change would undo it on the page (a checkbox flicking back, say).
async function change(method, url) {
  state.changing++;
  state.changes++;
  try {
    return await call(method, url);
  } finally {
    state.changing--;
    state.changes++;
  }
}

// Asks for the status and shows it, unless a control changed something meanwhile: the next
// refresh brings an answer that includes the change.
async function showFreshStatus() {
  const changes = state.changes;
  const s = await call('GET', '/api/status');
  if (state.changing === 0 && state.changes === changes) showStatus(s);
}

async function refresh() {
  try {
    await showFreshStatus();
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
    await change('POST', url);
    await showFreshStatus();
  } catch (e) {
    showError(e.message);
  }
});
$('add-worker').addEventListener('click', async () => {
  clearError();
  try {
    await change('POST', '/api/workers');
    await showFreshStatus();
  } catch (e) {
    showError(e.message);
  }
});
// Once the user has touched the field the dashboard stops writing the current count into it, or a
// refresh between clearing it and typing would turn "3" into "23".
for (const ev of ['focus', 'input', 'change']) {
  $('scale-count').addEventListener(ev, () => { state.scaleTouched = true; });
}
$('scale').addEventListener('click', async () => {
  clearError();
  const b = $('scale');
  b.disabled = true;
  try {
    await change('POST', '/api/workers?count=' + encodeURIComponent($('scale-count').value));
    state.scaleTouched = false;
    await showFreshStatus();
  } catch (e) {
    showError(e.message);
  } finally {
    b.disabled = false;
  }
});
$('replacing').addEventListener('change', async (ev) => {
  clearError();
  try {
    await change('POST', '/api/supervisor?replacing=' + ev.target.checked);
  } catch (e) {
    showError(e.message);
  }
});

state.urlPicker = readUrl();
refresh().then(() => render());
