/**
 * The script inside the report page that turns the embedded data (report-model.ts) into tables
 * and uPlot charts. It is plain browser JavaScript kept as text, because core is compiled for
 * Node without the DOM's types; the report's browser test is what checks it runs. Every piece
 * of data enters the page through textContent, never as markup.
 */
export const REPORT_CLIENT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('ktstr-report-data').textContent);
  var root = document.getElementById('report');
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  var STEP_FILLS = ['rgba(31,119,180,0.08)', 'rgba(255,127,14,0.10)'];
  var plots = [];
  window.ktstrReport = { plots: plots };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return '-';
    var a = Math.abs(v);
    if (Number.isInteger(v)) return String(v);
    if (a >= 1000) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    if (a >= 0.01) return v.toFixed(3);
    return v.toPrecision(2);
  }
  // A mean over replicas with ± half their range, as ktstr stats compare prints it.
  function spread(v, range) { return fmt(v) + (range > 0 ? ' ±' + fmt(range / 2) : ''); }
  function signed(v) { return v === null || v === undefined ? '-' : (v > 0 ? '+' : '') + fmt(v); }
  function width() { return Math.max(320, Math.min(960, root.clientWidth - 24)); }

  function table(parent, header, rows, rowClass) {
    var t = add(parent, el('table'));
    var tr = add(add(t, el('thead')), el('tr'));
    header.forEach(function (h) { add(tr, el('th', null, h)); });
    var body = add(t, el('tbody'));
    rows.forEach(function (r, i) {
      var row = add(body, el('tr', rowClass ? rowClass(i) : null));
      r.forEach(function (c) { add(row, el('td', null, c)); });
    });
    return t;
  }

  // One chart: a titled box holding a uPlot. The test of the page reads window.ktstrReport.plots.
  function chart(parent, kind, title, opts, series) {
    var box = add(parent, el('div', 'chart'));
    box.setAttribute('data-chart', kind);
    add(box, el('h4', null, title));
    opts.width = width();
    opts.height = opts.height || 220;
    var u = new uPlot(opts, series, box);
    plots.push({ kind: kind, title: title, plot: u });
    return u;
  }

  function lineSeries(label, i, extra) {
    var s = { label: label, stroke: COLORS[i % COLORS.length], width: 1.5, points: { show: false } };
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }

  // Step phases as shaded bands behind the lines, drawn by uPlot's own draw hook.
  function stepBands(steps) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          steps.forEach(function (s, i) {
            var x0 = u.valToPos(s.start, 'x', true);
            var x1 = u.valToPos(Math.max(s.end, s.start), 'x', true);
            ctx.fillStyle = STEP_FILLS[i % STEP_FILLS.length];
            ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
            ctx.fillStyle = '#555';
            ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
            ctx.fillText(s.name, x0 + 4 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
          });
          ctx.restore();
        }],
      },
    };
  }

  function barsChart(parent, kind, title, labels, values, yLabel, color) {
    var xs = labels.map(function (_, i) { return i; });
    return chart(parent, kind, title, {
      height: 200,
      scales: { x: { time: false, range: function () { return [-0.5, labels.length - 0.5]; } }, y: { range: function (u, lo, hi) { return [0, hi > 0 ? hi * 1.1 : 1]; } } },
      axes: [
        { splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (i) { return labels[i] === undefined ? '' : labels[i]; }); } },
        { label: yLabel, size: 70 },
      ],
      legend: { show: false },
      series: [{}, { label: yLabel, stroke: color, fill: color, width: 1, points: { show: false }, paths: uPlot.paths.bars({ size: [0.6, 80] }) }],
    }, [xs, values]);
  }

  function renderHeader() {
    var r = data.run;
    add(root, el('h1', null, 'ktstr run ' + r.id));
    var p = add(root, el('p', 'meta'));
    p.textContent = r.startedAt + ' to ' + r.finishedAt + ', commit ' + (r.commit || 'none') + ': ' + r.passed + ' passed, ' + r.failed + ' failed, ' + r.skipped + ' skipped'
      + (data.baseline ? '; baseline ' + data.baseline.id : '');
    r.loadErrors.forEach(function (e) { add(root, el('p', 'load-error', 'did not load: ' + e.file + ': ' + e.message)); });
  }

  function renderSummary() {
    add(root, el('h2', null, 'Cells'));
    var t = table(root, ['cell', 'status', 'seconds', 'iterations', 'worst gap ms', 'spread', 'reason'], data.cells.map(function (c) {
      return [c.name, c.status + (c.regressed.length ? ' (regressed: ' + c.regressed.join(', ') + ')' : ''), (c.durationMs / 1000).toFixed(1),
        fmt(c.metrics.totalIterations), fmt(c.metrics.worstGapMs), fmt(c.metrics.worstSpread), c.reason || ''];
    }), function (i) { var c = data.cells[i]; return c.status + (c.regressed.length ? ' regressed' : ''); });
    t.id = 'summary';
    Array.prototype.forEach.call(t.tBodies[0].rows, function (row, i) {
      row.setAttribute('data-cell', data.cells[i].name);
      row.setAttribute('data-status', data.cells[i].status);
    });
  }

  function renderComparison() {
    var c = data.comparison;
    if (!c) return;
    var sec = add(root, el('section', 'comparison'));
    sec.id = 'comparison';
    add(sec, el('h2', null, 'Against baseline ' + c.baseline));
    add(sec, el('p', 'meta', (c.differing.length ? 'comparing ' + c.differing.join(', ') : 'the runs share every dimension') + ': '
      + c.pairs.length + ' pair(s), ' + c.regressions + ' regression(s), ' + c.improvements + ' improvement(s), ' + c.coverageDifferences + ' coverage difference(s)'
      + (c.withinNoise ? ', ' + c.withinNoise + ' change(s) held back as the replicas do not tell them from noise' : '')
      + (c.contendedPairs ? ', ' + c.contendedPairs + ' pair(s) not judged: the host was busier for one side\'s VMs' : '')));
    c.pairs.forEach(function (p) {
      var h = add(sec, el('h3', p.regressed ? 'regressed' : null, p.label + '  [' + p.aCells + ' vs ' + p.bCells + ' cell(s)]'));
      h.setAttribute('data-pair', p.label);
      if (!p.hostContention.judged) add(sec, el('p', 'meta', 'Not judged: ' + p.hostContention.why));
      // A metric neither side has (wake latency of work that never blocks) is left out.
      var rows = p.metrics.filter(function (m) { return m.a !== null || m.b !== null; });
      table(sec, ['metric', 'baseline', 'this run', 'delta', 'delta %', 'verdict'], rows.map(function (m) {
        return [m.metric, spread(m.a, m.aSpread), spread(m.b, m.bSpread), signed(m.delta), m.relativePercent === null ? '-' : (m.relativePercent > 0 ? '+' : '') + m.relativePercent.toFixed(1) + '%',
          m.mark || m.verdict];
      }), function (i) { return 'verdict-' + rows[i].verdict + (rows[i].withinNoise ? ' within-noise' : ''); });
    });
    if (c.onlyBaseline.length) add(sec, el('p', null, 'only in the baseline: ' + c.onlyBaseline.join(', ')));
    if (c.onlyRun.length) add(sec, el('p', null, 'only in this run: ' + c.onlyRun.join(', ')));
  }

  // A cell is a <details>: open ones draw at once, the others when first opened.
  function renderCell(c, i) {
    var box = add(root, el('details', 'cell ' + c.status));
    box.id = 'cell-' + i;
    box.setAttribute('data-cell', c.name);
    var head = add(box, el('summary'));
    add(head, el('h3', null, c.name + ' — ' + c.status + (c.regressed.length ? ', regressed' : '')));
    var sec = add(box, el('div', 'cell-body'));
    var drawn = false;
    function draw() {
      if (drawn) return;
      drawn = true;
      fillCell(sec, c);
    }
    box.addEventListener('toggle', function () { if (box.open) draw(); });
    if (c.expanded) {
      box.open = true;
      draw();
    }
  }

  function fillCell(sec, c) {
    add(sec, el('p', 'meta', c.scheduler + ' on ' + c.kernel + ', topology ' + c.topology + ', ' + (c.durationMs / 1000).toFixed(1) + ' s'));
    if (c.reason) add(sec, el('p', 'reason', c.reason));
    if (c.detail.length) add(sec, el('pre', 'detail', c.detail.join('\n')));
    if (c.iterations) {
      var it = c.iterations;
      chart(sec, 'timeline', 'Timeline: cumulative iterations per worker, step phases shaded', {
        scales: { x: { time: false } },
        axes: [{ label: 'guest seconds' }, { label: 'iterations', size: 70 }],
        series: [{ label: 'guest s' }].concat(it.workers.map(function (w, i) { return lineSeries(w.key, i, { spanGaps: true }); })),
        plugins: [stepBands(c.steps)],
      }, [it.t].concat(it.workers.map(function (w) { return w.values; })));
    } else if (c.status !== 'skipped') {
      add(sec, el('p', 'absent', 'no timeline recorded'));
    }
    if (c.workers.length) {
      barsChart(sec, 'worker-iterations', 'Iterations per worker', c.workers.map(function (w) { return w.key; }),
        c.workers.map(function (w) { return w.iterations; }), 'iterations', 'rgba(31,119,180,0.7)');
      // Sorted, the bars read as the distribution of run delay over the workers.
      var byDelay = c.workers.filter(function (w) { return w.runDelayUs !== null; }).sort(function (a, b) { return a.runDelayUs - b.runDelayUs; });
      if (byDelay.length) {
        barsChart(sec, 'run-delay', 'Run delay per timeslice, workers in ascending order (µs)', byDelay.map(function (w) { return w.key; }),
          byDelay.map(function (w) { return w.runDelayUs; }), 'µs', 'rgba(214,39,40,0.7)');
      }
    }
    if (c.monitor) {
      var m = c.monitor;
      chart(sec, 'runqueue', 'Runqueue depth per CPU (nr_running)', {
        scales: { x: { time: false } },
        axes: [{ label: 'guest seconds' }, { label: 'tasks', size: 50 }],
        series: [{ label: 'guest s' }].concat(m.cpus.map(function (cp, i) { return lineSeries('cpu ' + cp.cpu, i, { paths: uPlot.paths.stepped({ align: 1 }) }); })),
      }, [m.t].concat(m.cpus.map(function (cp) { return cp.nrRunning; })));
      if (m.events.length) {
        chart(sec, 'events', 'sched_ext events per second', {
          scales: { x: { time: false } },
          axes: [{ label: 'guest seconds' }, { label: 'per s', size: 70 }],
          series: [{ label: 'guest s' }].concat(m.events.map(function (e, i) { return lineSeries(e.name.replace(/^SCX_EV_/, ''), i); })),
        }, [m.t].concat(m.events.map(function (e) { return e.perSec; })));
      } else {
        add(sec, el('p', 'absent', 'no sched_ext event counters (no BPF scheduler attached, or a kernel without them)'));
      }
    } else if (c.status !== 'skipped') {
      add(sec, el('p', 'absent monitor-absent', c.monitorAbsent || 'no monitor data'));
    }
  }

  renderHeader();
  renderSummary();
  renderComparison();
  add(root, el('h2', null, 'Per cell'));
  data.cells.forEach(renderCell);
  // A cell's name in the summary opens its section and goes there.
  Array.prototype.forEach.call(document.querySelectorAll('#summary tbody tr'), function (row, i) {
    var name = row.cells[0];
    name.className = 'link';
    name.addEventListener('click', function () {
      var box = document.getElementById('cell-' + i);
      box.open = true;
      box.scrollIntoView();
    });
  });
  // A resized window or webview panel gets charts of its new width (uPlot sizes in pixels).
  var resizing = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      plots.forEach(function (p) { p.plot.setSize({ width: width(), height: p.plot.height }); });
    }, 100);
  });
  document.body.setAttribute('data-rendered', String(plots.length));
})();
`;
