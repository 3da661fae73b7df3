/**
 * The brief editor: a Markdown-aware textarea with line numbers, and a live
 * preview. Each pause in typing (debounced) posts the Markdown to the
 * editor-only preview endpoint, which builds the email with the readers' own
 * builder; the answer fills the desktop and mobile iframes (srcdoc, sandboxed:
 * the email runs no script) and the text part, or lists the errors at their
 * lines. Plain DOM, no build, no CDN; it runs under the page's nonce CSP and
 * reads its URL from a data attribute.
 */
export const EDITOR_SCRIPT = `
(function () {
  var root = document.getElementById('editor');
  var ta = document.getElementById('markdown');
  if (!root || !ta) return;
  var form = ta.form;
  var gutter = document.getElementById('gutter');
  var list = document.getElementById('markdown-errors');
  var status = document.getElementById('preview-status');
  var url = root.getAttribute('data-preview-url');
  var csrf = form.querySelector('input[name=_csrf]').value;
  var errorsByLine = {};
  var timer = null, seq = 0, shown = 0;

  function lineCount() { return ta.value.split('\\n').length; }
  function drawGutter() {
    var n = lineCount(), out = [];
    for (var i = 1; i <= n; i++) {
      var e = errorsByLine[i];
      out.push('<span class="ln' + (e ? ' err' : '') + '" data-line="' + i + '"' + (e ? ' title="' + esc(e) + '"' : '') + '>' + i + '</span>');
    }
    gutter.innerHTML = out.join('\\n');
    gutter.scrollTop = ta.scrollTop;
  }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }

  function showErrors(errors) {
    errorsByLine = {};
    errors.forEach(function (e) { var l = e.line || 1; errorsByLine[l] = (errorsByLine[l] ? errorsByLine[l] + '; ' : '') + (e.field ? e.field + ': ' : '') + e.message; });
    if (!errors.length) { list.innerHTML = ''; list.removeAttribute('data-count'); drawGutter(); return; }
    list.setAttribute('data-count', String(errors.length));
    list.innerHTML = '<ul class="field-errors" id="error-list">' + errors.map(function (e) {
      return '<li data-line="' + (e.line || 1) + '"><a href="#markdown" class="jump" data-line="' + (e.line || 1) + '">line ' + (e.line || 1) + '</a> ' +
        esc((e.field ? e.field + ': ' : '') + e.message) + '</li>';
    }).join('') + '</ul>';
    drawGutter();
  }

  function jumpTo(line) {
    var lines = ta.value.split('\\n'), start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
    ta.focus();
    ta.setSelectionRange(start, start + (lines[line - 1] || '').length);
    var h = ta.scrollHeight / Math.max(lines.length, 1);
    ta.scrollTop = Math.max(0, (line - 4) * h);
  }
  list.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('.jump');
    if (!a) return;
    ev.preventDefault();
    jumpTo(Number(a.getAttribute('data-line')));
  });
  gutter.addEventListener('click', function (ev) {
    var l = ev.target.getAttribute && ev.target.getAttribute('data-line');
    if (l && errorsByLine[l]) jumpTo(Number(l));
  });

  function setFrames(html) {
    ['live-desktop', 'live-mobile'].forEach(function (id) { var f = document.getElementById(id); if (f) f.srcdoc = html; });
  }
  function preview() {
    var mine = ++seq;
    status.textContent = 'Updating the preview\\u2026';
    root.setAttribute('data-preview', 'pending');
    var body = new URLSearchParams({ _csrf: csrf, markdown: ta.value });
    fetch(url, { method: 'POST', body: body, credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (p) {
        if (mine < shown) return;
        shown = mine;
        if (p.ok) {
          setFrames(p.html);
          document.getElementById('preview-subject').textContent = p.subject;
          document.getElementById('live-text').textContent = p.text;
          showErrors([]);
          var w = document.getElementById('preview-warnings');
          w.textContent = (p.warnings || []).join(' ');
          status.textContent = 'Preview up to date (' + Math.ceil(p.htmlBytes / 1024) + ' KB of HTML), not saved yet.';
        } else {
          showErrors(p.errors || []);
          status.textContent = 'The preview shows the last version without errors: ' + (p.errors || []).length + ' problem(s) to fix.';
        }
        root.setAttribute('data-preview', p.ok ? 'ok' : 'errors');
        root.setAttribute('data-preview-seq', String(mine));
      })
      .catch(function (e) {
        status.textContent = 'The preview could not be updated (' + e.message + '); it will try again as you type.';
        root.setAttribute('data-preview', 'failed');
      });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(preview, 350); }

  /** Replaces the selection with text, keeping the browser's undo history where it can. */
  function insert(text) {
    if (!document.execCommand || !document.execCommand('insertText', false, text)) {
      ta.setRangeText(text, ta.selectionStart, ta.selectionEnd, 'end');
      ta.dispatchEvent(new Event('input'));
    }
  }
  function wrapSelection(before, after) {
    var s = ta.selectionStart, e = ta.selectionEnd, sel = ta.value.slice(s, e);
    insert(before + sel + after);
    if (!sel) ta.setSelectionRange(s + before.length, s + before.length);
  }
  ta.addEventListener('keydown', function (ev) {
    var mod = ev.ctrlKey || ev.metaKey;
    if (mod && (ev.key === 'b' || ev.key === 'B')) { ev.preventDefault(); wrapSelection('**', '**'); return; }
    if (mod && (ev.key === 'i' || ev.key === 'I')) { ev.preventDefault(); wrapSelection('*', '*'); return; }
    if (mod && (ev.key === 'k' || ev.key === 'K')) { ev.preventDefault(); wrapSelection('[', '](https://)'); return; }
    if (mod && (ev.key === 's' || ev.key === 'S')) { ev.preventDefault(); if (form.requestSubmit) form.requestSubmit(); else form.submit(); return; }
    if (ev.key === 'Tab' && !ev.shiftKey && !mod) { ev.preventDefault(); insert('  '); return; }
    if (ev.key === 'Enter' && !ev.shiftKey && !mod && ta.selectionStart === ta.selectionEnd) {
      var pos = ta.selectionStart, lineStart = ta.value.lastIndexOf('\\n', pos - 1) + 1;
      var line = ta.value.slice(lineStart, pos);
      var m = /^(\\s*)- (.*)$/.exec(line);
      if (!m) return;
      ev.preventDefault();
      if (m[2].trim() === '') {
        // Enter on an empty bullet ends the list.
        ta.setSelectionRange(lineStart, pos);
        insert('');
      } else insert('\\n' + m[1] + '- ');
    }
  });
  ta.addEventListener('input', function () { drawGutter(); schedule(); });
  ta.addEventListener('scroll', function () { gutter.scrollTop = ta.scrollTop; });
  var initial = list.querySelectorAll('li[data-line]');
  for (var i = 0; i < initial.length; i++) {
    var l = initial[i].getAttribute('data-line');
    errorsByLine[l] = initial[i].textContent.replace(/^line \\d+ /, '');
  }
  drawGutter();
})();
`;
