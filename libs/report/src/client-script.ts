/**
 * The report's only script, inlined verbatim (so it must never contain a closing script tag). It builds the
 * per-task table from the JSON in `script#task-data` (see {@link TaskTableData}) with textContent only, and sorts
 * and filters it. Plain ES2017, no dependencies; everything else in the report works without it.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var dataEl = document.getElementById('task-data');
  var table = document.getElementById('tasks');
  if (!dataEl || !table) return;
  var D = JSON.parse(dataEl.textContent || '{}');
  var PAGE = 500;
  var TRUNC = 60;
  var collator = new Intl.Collator('en', { numeric: true });
  var filterBox = document.getElementById('task-filter');
  var onlyDis = document.getElementById('only-disagreements');
  var onlyWrong = document.getElementById('only-wrong');
  var ruleSel = document.getElementById('task-rule');
  var countEl = document.getElementById('task-count');
  var moreBtn = document.getElementById('task-more');
  var controls = document.getElementById('task-controls');
  var tasks = D.tasks || [];
  var haystacks = [];
  var shown = PAGE;
  var sortCol = 0;
  var sortDir = 1;

  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function rule() { return ruleSel ? Number(ruleSel.value) || 0 : 0; }
  function pplValue(p) { return p === 'inf' ? Infinity : typeof p === 'number' ? p : null; }
  function fmtPpl(p) {
    if (p === null || p === undefined) return '—';
    if (p === 'inf') return '∞';
    if (p === 'nan') return 'NaN';
    return p >= 1e4 ? p.toExponential(2) : String(Number(p.toPrecision(4)));
  }
  function firstOf(task, backend) {
    for (var k = 0; k < task.c.length; k++) if (task.c[k].b === backend) return k;
    return -1;
  }
  function samplesOf(task, backend) {
    var out = [];
    for (var k = 0; k < task.c.length; k++) if (task.c[k].b === backend) out.push(k);
    return out;
  }
  function candLabel(task, k) {
    var c = task.c[k];
    var same = samplesOf(task, c.b);
    return same.length > 1 ? c.b + '#' + same.indexOf(k) : c.b;
  }
  function okAt(task, k, r) {
    var c = task.c[k];
    return c && c.ok ? c.ok[r] : null;
  }
  function textCell(td, s) {
    if (s === null || s === undefined) { td.textContent = '—'; return; }
    if (s === '') { td.appendChild(h('span', 'muted', '(empty)')); return; }
    if (s.length <= TRUNC && s.indexOf('\n') < 0) { td.appendChild(h('code', 'snip', s)); return; }
    var d = h('details');
    var sum = h('summary', null);
    sum.appendChild(h('code', 'snip', s.replace(/\n/g, '⏎').slice(0, TRUNC) + '…'));
    sum.title = s;
    d.appendChild(sum);
    d.appendChild(h('pre', null, s));
    td.appendChild(d);
  }
  function mark(ok) {
    return ok === 1 ? h('span', 'ok', '✓') : ok === 0 ? h('span', 'bad', '✗') : h('span', 'muted', '–');
  }

  var columns = [
    { label: '#', key: function (t) { return t.i; }, cell: function (t, td) { td.textContent = String(t.i); }, num: true },
    { label: 'task', key: function (t) { return t.id; }, cell: function (t, td) { td.appendChild(h('code', null, t.id)); } },
    { label: 'reference', key: function (t) { return t.ref; }, cell: function (t, td) { textCell(td, t.ref); } },
  ];
  (D.backends || []).forEach(function (b) {
    columns.push({
      label: b + ' completion',
      key: function (t) { var k = firstOf(t, b); return k < 0 ? null : t.c[k].t; },
      cell: function (t, td) {
        var ks = samplesOf(t, b);
        if (!ks.length) { td.textContent = '—'; return; }
        textCell(td, t.c[ks[0]].t);
        if (ks.length > 1) {
          var d = h('details', 'more');
          d.appendChild(h('summary', 'muted', '+' + (ks.length - 1) + ' more samples'));
          ks.slice(1).forEach(function (k) {
            var line = h('div');
            line.appendChild(mark(okAt(t, k, rule())));
            line.appendChild(document.createTextNode(' '));
            textCell(line, t.c[k].t);
            d.appendChild(line);
          });
          td.appendChild(d);
        }
      },
    });
    columns.push({
      label: b + ' correct',
      title: 'correctness of the first ' + b + ' candidate under each rule',
      num: true,
      key: function (t) {
        var k = firstOf(t, b);
        if (k < 0) return null;
        var ok = t.c[k].ok, s = 0, any = false;
        for (var r = 0; r < ok.length; r++) if (ok[r] !== null) { any = true; s += ok[r]; }
        return any ? s : null;
      },
      cell: function (t, td) {
        var k = firstOf(t, b);
        if (k < 0) { td.textContent = '—'; return; }
        (D.rules || []).forEach(function (r, ri) {
          var span = h('span', 'verdict');
          span.appendChild(mark(t.c[k].ok[ri]));
          if (D.rules.length > 1) span.appendChild(document.createTextNode(' ' + r.label));
          span.title = r.label;
          td.appendChild(span);
        });
      },
    });
    (D.scorersByBackend[b] || []).forEach(function (si) {
      columns.push({
        label: b + ' ppl ' + D.scorers[si],
        title: 'perplexity of the first ' + b + ' candidate under scorer ' + D.scorers[si],
        num: true,
        key: function (t) { var k = firstOf(t, b); return k < 0 ? null : pplValue(t.c[k].p[si]); },
        cell: function (t, td) { var k = firstOf(t, b); td.textContent = k < 0 ? '—' : fmtPpl(t.c[k].p[si]); },
      });
    });
  });
  (D.strategies || []).forEach(function (s, si) {
    columns.push({
      label: 'pick ' + s,
      title: 'candidate kept by strategy ' + s + ' and whether it is correct under the selected rule',
      key: function (t) {
        var k = t.s[si];
        if (k === null || !t.c[k]) return null;
        var ok = okAt(t, k, rule());
        return (ok === 1 ? '1 ' : ok === 0 ? '0 ' : '- ') + candLabel(t, k);
      },
      cell: function (t, td) {
        var k = t.s[si];
        if (k === null || !t.c[k]) { td.textContent = '—'; return; }
        var ok = okAt(t, k, rule());
        td.className = ok === 1 ? 'pick-ok' : ok === 0 ? 'pick-bad' : '';
        td.appendChild(mark(ok));
        td.appendChild(document.createTextNode(' ' + candLabel(t, k)));
      },
    });
  });

  function haystack(i) {
    if (haystacks[i] === undefined) {
      var t = tasks[i];
      haystacks[i] = [t.id, t.ref].concat(t.c.map(function (c) { return c.t; })).join('\u0000').toLowerCase();
    }
    return haystacks[i];
  }
  function disagrees(t, r) {
    var seen = {};
    for (var k = 0; k < t.c.length; k++) { var ok = okAt(t, k, r); if (ok !== null) seen[ok] = true; }
    return !!(seen[0] && seen[1]);
  }
  function wrong(t, r) {
    if (t.s.length === 0 || t.s.every(function (k) { return k === null; })) return okAt(t, 0, r) === 0;
    return t.s.some(function (k) { return k !== null && okAt(t, k, r) === 0; });
  }
  function cmp(a, b) {
    var an = a === null || a === undefined || (typeof a === 'number' && isNaN(a));
    var bn = b === null || b === undefined || (typeof b === 'number' && isNaN(b));
    if (an || bn) return an && bn ? 0 : an ? 2 : -2;
    if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
    return collator.compare(String(a), String(b));
  }

  function renderHead() {
    var tr = h('tr');
    columns.forEach(function (c, ci) {
      var th = h('th', c.num ? 'num' : null);
      th.setAttribute('scope', 'col');
      var btn = h('button', 'sort', c.label);
      btn.type = 'button';
      if (c.title) btn.title = c.title;
      btn.addEventListener('click', function () {
        if (sortCol === ci) sortDir = -sortDir; else { sortCol = ci; sortDir = 1; }
        render();
      });
      th.appendChild(btn);
      tr.appendChild(th);
    });
    table.tHead.appendChild(tr);
  }

  function render() {
    var r = rule();
    var q = filterBox ? filterBox.value.trim().toLowerCase() : '';
    var rows = [];
    for (var i = 0; i < tasks.length; i++) {
      var t = tasks[i];
      if (q && haystack(i).indexOf(q) < 0) continue;
      if (onlyDis && onlyDis.checked && !disagrees(t, r)) continue;
      if (onlyWrong && onlyWrong.checked && !wrong(t, r)) continue;
      rows.push(i);
    }
    var col = columns[sortCol];
    var keys = {};
    rows.forEach(function (i) { keys[i] = col.key(tasks[i]); });
    rows.sort(function (a, b) {
      var c = cmp(keys[a], keys[b]);
      if (c === 2 || c === -2) return c;
      return c * sortDir || tasks[a].i - tasks[b].i;
    });
    var ths = table.tHead.rows[0].cells;
    for (var c = 0; c < ths.length; c++) {
      if (c === sortCol) ths[c].setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      else ths[c].removeAttribute('aria-sort');
    }
    var body = h('tbody');
    rows.slice(0, shown).forEach(function (i) {
      var t = tasks[i];
      var tr = h('tr');
      tr.setAttribute('data-task-id', t.id);
      columns.forEach(function (col) {
        var td = h('td', col.num ? 'num' : null);
        col.cell(t, td);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    var visible = Math.min(shown, rows.length);
    if (countEl) {
      countEl.textContent = visible + ' of ' + rows.length + ' matching tasks shown (' + tasks.length + ' in total)';
    }
    if (moreBtn) moreBtn.hidden = visible >= rows.length;
  }

  function reset() { shown = PAGE; render(); }
  if (filterBox) filterBox.addEventListener('input', reset);
  [onlyDis, onlyWrong, ruleSel].forEach(function (e) { if (e) e.addEventListener('change', reset); });
  if (moreBtn) moreBtn.addEventListener('click', function () { shown += PAGE; render(); });
  renderHead();
  render();
  if (controls) controls.hidden = false;
  var noScript = document.getElementById('task-no-script');
  if (noScript) noScript.hidden = true;
})();
`;
