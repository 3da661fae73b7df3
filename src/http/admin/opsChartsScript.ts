/**
 * The ops page's charts: reads the series JSON every few seconds and draws it
 * with uPlot (served by the app, loaded just before this under the page's
 * nonce). Plain DOM, no build; URLs come from data attributes, and every
 * value from the JSON goes in as text, never as markup.
 */
export const OPS_CHARTS_SCRIPT = `
(function () {
  var root = document.getElementById('ops-charts');
  if (!root || typeof uPlot === 'undefined') return;
  var url = root.getAttribute('data-series-url');
  var minutes = root.getAttribute('data-minutes') || '60';
  var palette = ['#0b3d91', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#1098ad', '#c92a2a', '#5f3dc4'];
  var charts = {};
  function entries(o) { return Object.keys(o || {}).map(function (k) { return [k, o[k]]; }); }
  function count(v) { return v == null ? '\\u2013' : String(Math.round(v * 10) / 10); }
  function pct(v) { return v == null ? '\\u2013' : (v * 100).toFixed(v < 0.01 ? 2 : 1) + '%'; }
  // Tick labels get as many decimals as the step between ticks needs: 25%, 0.5%.
  function pctTicks(u, vals, axis, space, step) {
    var places = Math.max(0, Math.ceil(-Math.log10(step * 100)));
    return vals.map(function (v) { return v == null ? '' : (v * 100).toFixed(places) + '%'; });
  }
  var specs = [
    { id: 'chart-sent', fmt: count, series: function (d) { return [['bulk', d.sent.bulk], ['transactional', d.sent.transactional]]; } },
    { id: 'chart-failures', fmt: count, series: function (d) { return entries(d.failures); } },
    { id: 'chart-queues', fmt: count, gaps: true, series: function (d) { return entries(d.queues); } },
    { id: 'chart-progress', fmt: pct, gaps: true, top: 1, series: function (d) { return entries(d.progress); } },
    { id: 'chart-feedback', fmt: count, series: function (d) {
      return [['hard bounces', d.feedback['hard-bounce']], ['soft bounces', d.feedback['soft-bounce']], ['complaints', d.feedback.complaint]];
    } },
    { id: 'chart-rates', fmt: pct, gaps: true, top: 0.005, series: function (d) { return [['bounce rate', d.rates.bounce], ['complaint rate', d.rates.complaint]]; } }
  ];
  function widthOf(el) { return Math.max(260, el.clientWidth); }
  function draw(spec, d) {
    var el = document.getElementById(spec.id);
    if (!el) return;
    var list = spec.series(d);
    var labels = list.map(function (l) { return l[0]; }).join('|');
    var data = [d.t].concat(list.map(function (l) { return l[1]; }));
    var c = charts[spec.id];
    if (c && c.labels === labels) { c.plot.setData(data); return; }
    // A new dispatch or failure class: the series changed, so the chart is built again.
    if (c) c.plot.destroy();
    el.textContent = '';
    var top = spec.top || 1;
    var opts = {
      width: widthOf(el),
      height: 190,
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(top, max || 0) * 1.05]; } } },
      series: [{}].concat(list.map(function (l, i) {
        return { label: l[0], stroke: palette[i % palette.length], width: 2, spanGaps: !!spec.gaps, value: function (u, v) { return spec.fmt(v); } };
      })),
      axes: [{}, spec.fmt === pct ? { size: 56, values: pctTicks } : { size: 56 }]
    };
    charts[spec.id] = { labels: labels, plot: new uPlot(opts, data, el) };
  }
  function cell(tr, text) { var td = document.createElement('td'); td.textContent = text; tr.appendChild(td); return td; }
  function table(list) {
    var body = document.getElementById('recent-dispatches');
    if (!body) return;
    body.textContent = '';
    list.forEach(function (d) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-dispatch-id', d.id);
      var a = document.createElement('a');
      a.href = '/admin/dispatches/' + encodeURIComponent(d.id);
      a.textContent = d.id;
      cell(tr, '').appendChild(a);
      cell(tr, d.status).className = 'status';
      var p = document.createElement('progress');
      p.max = 100; p.value = Math.round(d.progress * 100);
      var td = cell(tr, '');
      td.appendChild(p);
      td.appendChild(document.createTextNode(' ' + Math.round(d.progress * 100) + '% of ' + d.total));
      [d.sent, d.failed, d.suppressed, d.uncertain].forEach(function (n) { cell(tr, String(n)); });
      cell(tr, pct(d.bounceRate)); cell(tr, pct(d.complaintRate));
      body.appendChild(tr);
    });
    var none = document.getElementById('no-dispatches');
    if (none) none.hidden = list.length > 0;
  }
  function say(id, text) { var el = document.getElementById(id); if (el) el.textContent = text; }
  var timer;
  function poll() {
    clearTimeout(timer);
    fetch(url + '?minutes=' + encodeURIComponent(minutes), { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (d) {
        specs.forEach(function (s) { draw(s, d); });
        table(d.dispatches);
        say('charts-updated', 'updated ' + new Date(d.generatedAt).toLocaleTimeString());
        say('charts-error', '');
        root.setAttribute('data-drawn', String(d.t.length));
        timer = setTimeout(poll, 5000);
      })
      .catch(function (e) { say('charts-error', 'could not load the series (' + e.message + '); trying again'); timer = setTimeout(poll, 10000); });
  }
  var pick = document.getElementById('charts-minutes');
  if (pick) pick.addEventListener('change', function () { minutes = pick.value; poll(); });
  window.addEventListener('resize', function () {
    specs.forEach(function (s) {
      var c = charts[s.id], el = document.getElementById(s.id);
      if (c && el) c.plot.setSize({ width: widthOf(el), height: 190 });
    });
  });
  poll();
})();
`;
