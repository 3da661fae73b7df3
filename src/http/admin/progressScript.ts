/**
 * The dispatch page's poller: reads the progress JSON once a second and updates
 * the bar, counters and which buttons apply. Plain DOM, no build; it runs under
 * the page's nonce CSP and takes its URL from a data attribute (no interpolation).
 */
export const PROGRESS_SCRIPT = `
(function () {
  var root = document.getElementById('dispatch');
  if (!root) return;
  var url = root.getAttribute('data-progress-url');
  var terminal = { done: 1, cancelled: 1, failed: 1 };
  var applies = {
    pause: function (d) { return d.status === 'planning' || d.status === 'sending'; },
    resume: function (d) { return d.status === 'paused'; },
    cancel: function (d) { return !terminal[d.status]; },
    'retry-failed': function (d) { return d.status === 'done' && d.failed > 0; }
  };
  function set(id, v) { var el = document.getElementById(id); if (el) el.textContent = String(v); }
  function show(d) {
    var pct = Math.round((d.progress || 0) * 100);
    var bar = document.getElementById('bar');
    bar.value = pct; bar.textContent = pct + '%';
    set('percent', pct + '%'); set('status', d.status); set('reason', d.reason || '');
    set('reason-code', d.reasonCode || ''); var rc = document.getElementById('reason-code'); if (rc) rc.hidden = !d.reasonCode;
    set('total', d.total); set('planned', d.planned ? '' : ' (still planning)');
    set('rate', d.ratePerSecond); set('eta', d.etaSeconds == null ? '\\u2013' : d.etaSeconds + 's');
    ['sent', 'failed', 'suppressed', 'uncertain', 'expired', 'bounced', 'complained'].forEach(function (k) { set('count-' + k, d[k]); });
    set('bounce-rate', ((d.bounceRate || 0) * 100).toFixed(2) + '%'); set('complaint-rate', ((d.complaintRate || 0) * 100).toFixed(2) + '%');
    Object.keys(applies).forEach(function (a) {
      var b = document.getElementById('action-' + a);
      if (b) b.disabled = !applies[a](d);
    });
    root.setAttribute('data-status', d.status);
  }
  function poll() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (d) { show(d); if (!terminal[d.status]) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
`;
