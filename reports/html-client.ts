/**
 * The script of report.html: reads the results embedded as JSON, draws a persona × operation grid per
 * table, expands a cell to its details, filters. Plain ES2017 with DOM methods only: every string from
 * the run (SQL, messages, names) reaches the page through `textContent`, never through HTML parsing.
 * Kept as a string (not a function's source) so no transpiler or coverage tool can rewrite it.
 * Internal to `reports/`.
 */
export const HTML_CLIENT = String.raw`(function () {
'use strict';
var started = performance.now();
var data = JSON.parse(document.getElementById('rls-data').textContent);
var results = data.results;
// The operations in report order, and what their rows are: core/operations.ts, passed as data.
var OPS = data.operations;
var SYM = { allowed: '\u2713', partial: '\u2248', filtered: '\u2205', 'denied:privilege': '\u2298', 'denied:policy': '\u2298', error: '\u26a0' };
var CLS = { allowed: 'allowed', partial: 'partial', filtered: 'filtered', 'denied:privilege': 'denied', 'denied:policy': 'denied', error: 'error' };
var BADGE = { pass: '\u2714 PASS', fail: '\u2718 FAIL', error: '\u26a0 ERROR', known: '\u25d0 KNOWN' };
var VERB = data.rowVerbs;
var PROBLEM_PAGE = 200;

// The only way text reaches the page: textContent (the data's control characters are spelled out on the server).
function h(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function opKey(r) { return r.c || r.o; }
function opLabel(r) { return r.c ? r.c + ' (' + r.o + ')' : r.o; }
// rpc and storage rows are named as what they are, not as a table's rows.
function scope(r) {
  if (r.o === 'rpc') return '(rpc call)';
  if (r.t === 'storage.objects') return 'bucket ' + (r.s === undefined || r.s === null ? '' : r.s);
  return r.s === undefined || r.s === null ? '(table)' : r.s;
}
function observed(r) { return r.v ? 'vacuous' : r.oc; }
function sym(r) { return r.v ? '\u25cb' : (SYM[r.oc] || '?'); }
function isProblem(r) { return r.st === 'fail' || r.st === 'error'; }
function title(r) { return r.p + ' \u00b7 ' + opLabel(r) + ' \u00b7 ' + scope(r) + ' \u2192 expected ' + r.e; }

var tableOrder = [];
var byTable = new Map();
var roles = new Map();
var personaOrder = [];
var claims = new Map();
data.personas.forEach(function (p) { roles.set(p.name, p.role); personaOrder.push(p.name); if (p.claims) claims.set(p.name, p.claims); });
data.tables.forEach(function (t) { byTable.set(t, []); tableOrder.push(t); });
results.forEach(function (r, i) {
  r.$i = i;
  var list = byTable.get(r.t);
  if (!list) { list = []; byTable.set(r.t, list); tableOrder.push(r.t); }
  list.push(r);
  if (!roles.has(r.p)) { roles.set(r.p, r.ro); personaOrder.push(r.p); }
});
tableOrder = tableOrder.filter(function (t) { return byTable.get(t).length > 0; });

var state = { failures: false, persona: '', table: '', q: '' };
function haystack(r) {
  if (r.$h === undefined) r.$h = [r.i, r.q, r.er ? r.er.sqlstate + ' ' + r.er.message : '', r.why || '', r.x || ''].join(' ').toLowerCase();
  return r.$h;
}
function match(r) {
  if (state.failures && !isProblem(r)) return false;
  if (state.persona && r.p !== state.persona) return false;
  if (state.table && r.t !== state.table) return false;
  if (state.q && haystack(r).indexOf(state.q) < 0) return false;
  return true;
}

function detail(r) {
  var box = h('div', 'detail-box s-' + r.st);
  box.appendChild(h('h4', null, r.t + ': ' + title(r)));
  var dl = h('dl', 'kv');
  function add(k, v, cls) { if (v === undefined || v === null || v === '') return; dl.appendChild(h('dt', null, k)); dl.appendChild(h('dd', cls, v)); }
  add('Status', BADGE[r.st] + (r.m ? ' \u2014 ' + r.m : ''));
  add('Expected', r.e + (r.k ? '  (known gap: ' + r.k + ')' : ''));
  add('Observed', sym(r) + ' ' + observed(r) + ' \u2014 ' + r.r + ' of ' + r.n + ' row' + (r.n === 1 ? '' : 's') + ' ' + VERB[r.o]);
  add('Decided by', r.dp);
  add('Persona', r.p + ' (role ' + r.ro + ')');
  add('Claims', claims.has(r.p) ? JSON.stringify(claims.get(r.p)) : '', 'mono');
  add('Scope', r.o === 'rpc' ? 'rpc call' : r.s === undefined || r.s === null ? 'whole table' : scope(r));
  add('Scope predicate', r.sp, 'mono');
  if (r.er) {
    add('SQLSTATE', r.er.sqlstate, 'mono');
    add('Message', r.er.message, 'msg');
    add('Detail', r.er.detail); add('Hint', r.er.hint); add('Constraint', r.er.constraint);
  }
  add('Reason', r.why);
  if (r.st === 'error' && !r.er) add('Error', r.x);
  add('Values', r.w, 'mono');
  add('Executor', r.ex);
  add('Source', r.src, 'mono');
  add('Cell', r.i, 'mono');
  add('Origin', r.g);
  add('Duration', r.ms.toFixed(2) + ' ms');
  box.appendChild(dl);
  var pre = h('pre');
  pre.appendChild(h('code', 'sql', r.q));
  box.appendChild(pre);
  if (r.at) {
    var why = h('pre');
    why.appendChild(h('code', 'attribution', r.at));
    box.appendChild(why);
  }
  if (r.rp) box.appendChild(replayBox(r.rp));
  if (r.api) {
    var api = h('pre');
    api.appendChild(h('code', 'api', r.api));
    box.appendChild(api);
  }
  return box;
}

// The replay, with a button that copies it (the clipboard API, or a selection where it is not allowed, e.g. some file:// pages).
function replayBox(text) {
  var wrap = h('div', 'replay');
  wrap.appendChild(h('div', 'muted', 'Replay: paste into psql connected to the same database (it rolls back)'));
  var pre = h('pre');
  var code = h('code', 'replay-sql', text);
  pre.appendChild(code);
  wrap.appendChild(pre);
  var button = h('button', 'copy', 'Copy replay');
  button.type = 'button';
  button.addEventListener('click', function () {
    function selected() {
      var range = document.createRange();
      range.selectNodeContents(code);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      button.textContent = ok ? 'Copied' : 'Selected: press Ctrl+C';
    }
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(function () { button.textContent = 'Copied'; }, selected);
    else selected();
  });
  wrap.appendChild(button);
  return wrap;
}

function chip(r) {
  var b = h('button', 'chip c-' + (r.v ? 'error' : CLS[r.oc] || 'error') + ' k-' + r.st + ' s-' + r.st);
  b.type = 'button';
  b.setAttribute('data-i', String(r.$i));
  b.setAttribute('data-cell', r.i);
  b.setAttribute('aria-expanded', 'false');
  b.title = r.st.toUpperCase() + ': ' + (r.m || title(r));
  b.appendChild(h('span', 'sc', scope(r)));
  b.appendChild(h('span', 'badge ' + r.st, BADGE[r.st]));
  var obs = h('span', 'obs');
  obs.appendChild(h('span', 'sym', sym(r)));
  obs.appendChild(document.createTextNode(observed(r) + (r.oc === 'error' && r.er ? ' ' + r.er.sqlstate : '') + ' '));
  obs.appendChild(h('span', 'exp', '\u00b7 exp ' + r.e));
  b.appendChild(obs);
  return b;
}

function opsOf(rows) {
  var seen = new Map();
  rows.forEach(function (r) { if (!seen.has(opKey(r))) seen.set(opKey(r), r); });
  return Array.from(seen.keys()).sort(function (a, b) {
    var ia = OPS.indexOf(a), ib = OPS.indexOf(b);
    if (ia < 0) ia = 99; if (ib < 0) ib = 99;
    return ia - ib || (a < b ? -1 : a > b ? 1 : 0);
  }).map(function (k) { return seen.get(k); });
}

function tally(rows) {
  var c = { pass: 0, fail: 0, error: 0, known: 0 };
  rows.forEach(function (r) { c[r.st] += 1; });
  return c;
}

function tableSection(t, rows) {
  var sec = h('section', 'table');
  sec.setAttribute('data-table', t);
  var head = h('div', 'head');
  head.appendChild(h('h2', 'mono', t));
  var c = tally(byTable.get(t));
  var tc = h('div', 'tc');
  ['pass', 'fail', 'error', 'known'].forEach(function (s) { if (c[s]) tc.appendChild(h('span', 'badge ' + s, BADGE[s] + ' ' + c[s])); });
  head.appendChild(tc);
  sec.appendChild(head);
  var ops = opsOf(rows);
  var table = h('table', 'grid');
  var thr = h('tr');
  thr.appendChild(h('th', null, 'persona'));
  ops.forEach(function (r) {
    var th = h('th', null, r.c || r.o);
    if (r.c) th.appendChild(h('span', 'muted', ' (' + r.o + ')'));
    thr.appendChild(th);
  });
  table.appendChild(h('thead')).appendChild(thr);
  var tbody = h('tbody');
  var cells = new Map();
  rows.forEach(function (r) {
    var key = r.p + '\u0000' + opKey(r);
    var list = cells.get(key);
    if (!list) cells.set(key, list = []);
    list.push(r);
  });
  personaOrder.forEach(function (p) {
    if (!ops.some(function (o) { return cells.has(p + '\u0000' + opKey(o)); })) return;
    var tr = h('tr');
    var th = h('th', null, p);
    th.appendChild(h('span', 'role', roles.get(p)));
    tr.appendChild(th);
    ops.forEach(function (o) {
      var td = h('td', 'cellset');
      var list = cells.get(p + '\u0000' + opKey(o));
      if (list) {
        var box = h('div', 'chips');
        list.forEach(function (r) { box.appendChild(chip(r)); });
        td.appendChild(box);
      }
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });
  table.appendChild(tbody);
  var scroll = h('div', 'scroll');
  scroll.appendChild(table);
  sec.appendChild(scroll);
  return sec;
}

var root = document.getElementById('tables');
var countEl = document.getElementById('f-count');
function render() {
  var frag = document.createDocumentFragment();
  var shown = 0;
  tableOrder.forEach(function (t) {
    var rows = byTable.get(t).filter(match);
    if (!rows.length) return;
    shown += rows.length;
    frag.appendChild(tableSection(t, rows));
  });
  root.textContent = '';
  if (!shown) root.appendChild(h('div', 'empty', 'No cell matches the filters.'));
  root.appendChild(frag);
  countEl.textContent = 'Showing ' + shown.toLocaleString('en') + ' of ' + results.length.toLocaleString('en') + ' cells';
}

root.addEventListener('click', function (ev) {
  var target = ev.target;
  var b = target && target.closest ? target.closest('.chip') : null;
  if (!b) return;
  var r = results[Number(b.getAttribute('data-i'))];
  var tr = b.closest('tr');
  var open = tr.parentNode.querySelector('tr.detail[data-i="' + r.$i + '"]');
  if (open) { open.remove(); b.setAttribute('aria-expanded', 'false'); return; }
  var d = h('tr', 'detail');
  d.setAttribute('data-i', String(r.$i));
  var td = h('td');
  td.colSpan = tr.children.length;
  td.appendChild(detail(r));
  d.appendChild(td);
  var after = tr;
  while (after.nextElementSibling && after.nextElementSibling.classList.contains('detail')) after = after.nextElementSibling;
  after.parentNode.insertBefore(d, after.nextElementSibling);
  b.setAttribute('aria-expanded', 'true');
});

// Failing cells first (the verdict was wrong), then errors (no verdict could be reached).
var problems = results.filter(function (r) { return r.st === 'fail'; }).concat(results.filter(function (r) { return r.st === 'error'; }));
var problemList = document.getElementById('problem-list');
function problemItem(r) {
  var item = h('details', 'item');
  var sum = h('summary');
  sum.appendChild(h('span', 'badge ' + r.st, BADGE[r.st]));
  sum.appendChild(document.createTextNode(' '));
  sum.appendChild(h('span', 't', r.t));
  sum.appendChild(document.createTextNode(' ' + title(r) + ' \u2014 observed ' + sym(r) + ' ' + observed(r) + (r.dp ? ' \u2014 ' + r.dp : '')));
  item.appendChild(sum);
  item.$fill = function () { if (item.childNodes.length === 1) item.appendChild(detail(r)); };
  item.addEventListener('toggle', function () { if (item.open) item.$fill(); });
  return item;
}
function renderProblems(limit) {
  problemList.textContent = '';
  var frag = document.createDocumentFragment();
  problems.slice(0, limit).forEach(function (r) { frag.appendChild(problemItem(r)); });
  problemList.appendChild(frag);
  if (problems.length > limit) {
    var more = h('button', 'link', 'Show all ' + problems.length.toLocaleString('en') + ' failures and errors');
    more.type = 'button';
    more.addEventListener('click', function () { renderProblems(problems.length); });
    problemList.appendChild(more);
  }
}
if (problems.length) renderProblems(PROBLEM_PAGE);
else document.getElementById('problems').classList.add('hidden');

// Coverage: a table's persona × operation matrix is drawn when its row is first opened.
var cov = data.coverage;
var COV_WORD = { S: 'stated', D: 'defaulted', U: 'untested' };
var COV_MARK = { S: 'S', D: 'D', U: '\u2013' };
function coverageMatrix(row, columns) {
  var table = h('table', 'cov-grid');
  var thr = h('tr');
  thr.appendChild(h('th', null, 'persona'));
  columns.forEach(function (o) { thr.appendChild(h('th', null, o)); });
  table.appendChild(h('thead')).appendChild(thr);
  var tbody = h('tbody');
  cov.p.forEach(function (p, j) {
    var tr = h('tr');
    var th = h('th', null, p);
    if (cov.idle.indexOf(p) >= 0) th.appendChild(h('span', 'idle', 'never acts'));
    tr.appendChild(th);
    columns.forEach(function (o, k) {
      var s = String(row[j] || '').charAt(k);
      if (!COV_WORD[s]) s = 'U';
      var td = h('td');
      var mark = h('span', 'mk m-' + COV_WORD[s], COV_MARK[s]);
      mark.title = p + ' \u00b7 ' + o + ': ' + COV_WORD[s];
      td.appendChild(mark);
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });
  table.appendChild(tbody);
  return table;
}
var covTables = document.getElementById('coverage-tables');
// toggle does not bubble: listen in the capture phase.
if (cov && covTables) covTables.addEventListener('toggle', function (ev) {
  var d = ev.target;
  if (!d.classList || !d.classList.contains('cov-table') || !d.open) return;
  var box = d.querySelector('.cov-m');
  var index = Number(d.getAttribute('data-cov'));
  var row = cov.m[index];
  // Buckets and functions have their own columns (storage verbs, call).
  if (box && row && !box.firstChild) box.appendChild(coverageMatrix(row, (cov.ro && cov.ro[index]) || cov.o));
}, true);

// The per-policy view: each policy, how many cells it applied to, and the failing cells whose rows it decided.
var policyData = JSON.parse(document.getElementById('rls-policies').textContent);
var policyList = document.getElementById('policy-list');
if (policyData.length && policyList) {
  document.getElementById('policies').classList.remove('hidden');
  policyData.forEach(function (p) {
    var item = h('div', 'pol');
    item.appendChild(h('span', 't mono', p.table + ' '));
    item.appendChild(h('div', 'def', p.text));
    item.appendChild(h('div', 'muted', 'applied to ' + p.applied + ' cell' + (p.applied === 1 ? '' : 's') + (p.decided.length ? '; decided rows of ' + p.decided.length + ' that did not pass: ' + p.decided.join(', ') : '')));
    policyList.appendChild(item);
  });
}

function fill(select, values) {
  values.forEach(function (v) { var o = h('option', null, v); o.value = v; select.appendChild(o); });
}
var fFailures = document.getElementById('f-failures');
var fPersona = document.getElementById('f-persona');
var fTable = document.getElementById('f-table');
var fSearch = document.getElementById('f-search');
fill(fPersona, personaOrder);
fill(fTable, tableOrder);
fFailures.addEventListener('change', function () { state.failures = fFailures.checked; render(); });
fPersona.addEventListener('change', function () { state.persona = fPersona.value; render(); });
fTable.addEventListener('change', function () { state.table = fTable.value; render(); });
var timer = 0;
fSearch.addEventListener('input', function () {
  clearTimeout(timer);
  timer = setTimeout(function () { state.q = fSearch.value.trim().toLowerCase(); render(); }, 150);
});

window.addEventListener('beforeprint', function () {
  if (problemList.querySelectorAll('details').length < problems.length) renderProblems(problems.length);
  problemList.querySelectorAll('details').forEach(function (d) { d.$fill(); d.open = true; });
  document.querySelectorAll('#lints details.fix').forEach(function (d) { d.open = true; });
});

render();
document.body.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
document.body.setAttribute('data-rendered', 'true');
})();
`;
