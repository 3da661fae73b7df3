/**
 * Small behaviour shared by the editor's pages, under the page's nonce CSP:
 *
 * - a confirmation step before every dispatch control (pause, resume, cancel,
 *   retry-failed, restore-bounced) and before any button with `data-confirm`
 *   (delete, archive…): a modal <dialog> saying what will happen, Back or Yes;
 * - times in the editor's own time zone: `<time data-local datetime=ISO>`
 *   shows the browser's local time and zone;
 * - the schedule picker: a datetime-local field (the browser's zone) fills the
 *   hidden `at` field with the ISO instant the API takes.
 */
export const DESK_SCRIPT = `
(function () {
  var zone = (Intl.DateTimeFormat().resolvedOptions().timeZone) || 'local time';
  function local(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return d.toLocaleString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) + ' (' + zone + ')';
  }
  function localize() {
    var times = document.querySelectorAll('time[data-local]');
    for (var i = 0; i < times.length; i++) times[i].textContent = local(times[i].getAttribute('datetime'));
  }
  localize();
  var zones = document.querySelectorAll('[data-zone-name]');
  for (var z = 0; z < zones.length; z++) zones[z].textContent = zone;

  var picker = document.getElementById('at-local');
  var at = document.getElementById('at');
  if (picker && at) {
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    var now = new Date(Date.now() + 5 * 60000);
    var min = now.getFullYear() + '-' + pad(now.getMonth() + 1) + '-' + pad(now.getDate()) + 'T' + pad(now.getHours()) + ':' + pad(now.getMinutes());
    picker.min = min;
    if (!picker.value) picker.value = min;
    var sync = function () {
      var d = picker.value ? new Date(picker.value) : null;
      at.value = d && !isNaN(d.getTime()) ? d.toISOString() : '';
      var echo = document.getElementById('at-echo');
      if (echo) echo.textContent = at.value ? local(at.value) : '';
    };
    picker.addEventListener('input', sync);
    picker.addEventListener('change', sync);
    sync();
  }

  var ACTION = /\\/admin\\/dispatches\\/([^/]+)\\/(pause|resume|cancel|retry-failed|restore-bounced)$/;
  function text(id) { var el = document.getElementById(id); return el ? el.textContent : '?'; }
  function dispatchMessage(id, action) {
    var total = Number(text('total')), settled = ['sent', 'failed', 'suppressed', 'uncertain'].reduce(function (n, k) { return n + (Number(text('count-' + k)) || 0); }, 0);
    var left = isNaN(total) ? 'the remaining' : String(Math.max(total - settled, 0));
    switch (action) {
      case 'pause': return ['Pause dispatch ' + id + '? Every worker stops before its next send; Resume continues where it stopped.', 'Yes, pause'];
      case 'resume': return ['Resume dispatch ' + id + '? Sending starts again at once, to ' + left + ' readers not yet sent to.', 'Yes, resume'];
      case 'cancel': return ['Cancel dispatch ' + id + '? The readers not yet sent to (' + left + ') will not get this brief. This cannot be undone.', 'Yes, cancel the dispatch'];
      case 'retry-failed': return ['Send dispatch ' + id + ' again to its ' + text('count-failed') + ' failed readers?', 'Yes, retry the failed'];
      default: return ['Put back to active every reader dispatch ' + id + ' marked bounced? Use this only after a relay refused everyone.', 'Yes, restore them'];
    }
  }
  var dialog = null;
  function ask(message, yes, then) {
    if (!dialog) {
      dialog = document.createElement('dialog');
      dialog.id = 'confirm-dialog';
      dialog.innerHTML = '<p id="confirm-message"></p><form method="dialog"><button value="cancel" id="confirm-no" class="secondary">Back</button> <button value="ok" id="confirm-yes"></button></form>';
      document.body.appendChild(dialog);
    }
    document.getElementById('confirm-message').textContent = message;
    document.getElementById('confirm-yes').textContent = yes;
    dialog.returnValue = '';
    dialog.onclose = function () { if (dialog.returnValue === 'ok') then(); };
    dialog.showModal();
    document.getElementById('confirm-no').focus();
  }
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form || form.getAttribute('data-confirmed') === '1') return;
    var button = ev.submitter || form.querySelector('button[type=submit]');
    var custom = button && button.getAttribute('data-confirm');
    var m = ACTION.exec(form.getAttribute('action') || '');
    if (!custom && !m) return;
    ev.preventDefault();
    var said = custom ? [custom, button.getAttribute('data-confirm-yes') || 'Yes'] : dispatchMessage(m[1], m[2]);
    ask(said[0], said[1], function () {
      form.setAttribute('data-confirmed', '1');
      if (form.requestSubmit) form.requestSubmit(button || undefined); else form.submit();
    });
  }, true);
})();
`;
