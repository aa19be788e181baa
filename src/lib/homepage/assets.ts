/**
 * The site's stylesheet, script and icon, written beside the pages: nothing is loaded from anywhere
 * else (no CDN, no web font), so the homepage works on an offline network. System fonts; colours
 * follow the reader's light or dark preference; below 42rem tables become one card per row.
 */
export const STYLE_CSS = `:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --card: #f6f8fa;
  --accent: #0550ae; --accent-fg: #ffffff; --focus: #bf3989; --ok: #1a7f37;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif;
  line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --card: #161b22;
    --accent: #4493f8; --accent-fg: #0d1117; --focus: #f778ba; --ok: #3fb950;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; overflow-wrap: anywhere; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
.muted { color: var(--muted); }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .25rem .5rem; }
.filter { position: sticky; top: 0; background: var(--bg); padding: .75rem 0; border-bottom: 1px solid var(--line); z-index: 1; }
.filter label { display: block; font-weight: 600; margin-bottom: .25rem; }
.filter input { width: 100%; max-width: 32rem; font: inherit; padding: .5rem .75rem; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); }
.filter p { margin: .25rem 0 0; color: var(--muted); font-size: .9rem; }
kbd { border: 1px solid var(--line); border-radius: 4px; padding: 0 .3em; font-size: .85em; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
td a { overflow-wrap: anywhere; }
.tag { overflow-wrap: break-word; }
time, td.num { white-space: nowrap; }
.platforms { list-style: none; margin: 0; padding: 0; }
.pull { display: flex; gap: .5rem; align-items: flex-start; }
.pull code { overflow-wrap: anywhere; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .2rem .4rem; flex: 1; }
button.copy { font: inherit; font-size: .85rem; padding: .2rem .6rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg); cursor: pointer; min-height: 2rem; }
button.copy.copied { background: var(--ok); border-color: var(--ok); }
.notice { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; }
footer { margin-top: 3rem; padding-bottom: 2rem; color: var(--muted); font-size: .85rem; }
[hidden] { display: none !important; }
/* Without JavaScript the lists are all there; the filter and copy buttons, which need it, are not shown. */
.no-js .filter, .no-js button.copy { display: none; }
@media (max-width: 42rem) {
  table, thead, tbody, tr, th, td { display: block; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border: 1px solid var(--line); border-radius: 8px; margin: .75rem 0; padding: .5rem .75rem; background: var(--card); }
  td { border: 0; padding: .15rem 0; }
  td.num { text-align: left; }
  .tag { overflow-wrap: anywhere; }
  td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: .85rem; }
}
`

/**
 * Filter as you type (every word must occur in the row's name), "/" to focus the filter, Escape to
 * clear it, Enter to open the only match; copy buttons for pull commands. Works without it too: the
 * lists are in the HTML.
 */
export const SITE_JS = `'use strict';
(function () {
  document.documentElement.classList.remove('no-js');
  var input = document.getElementById('filter');
  var status = document.getElementById('filter-status');
  var rows = Array.prototype.slice.call(document.querySelectorAll('[data-filter]'));
  var groups = Array.prototype.slice.call(document.querySelectorAll('[data-group]'));
  var empty = document.getElementById('filter-empty');
  function apply() {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute('data-filter');
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) shown++;
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector('[data-filter]:not([hidden])');
    });
    if (empty) empty.hidden = shown !== 0;
    if (status) status.textContent = words.length ? shown + ' of ' + rows.length + ' ' + status.getAttribute('data-noun') + ' match' : '';
    return shown;
  }
  if (input) {
    input.addEventListener('input', apply);
    input.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') { input.value = ''; apply(); }
      if (event.key === 'Enter') {
        var visible = rows.filter(function (row) { return !row.hidden; });
        var link = visible.length === 1 && visible[0].querySelector('a[href]');
        if (link) window.location.href = link.getAttribute('href');
      }
    });
    document.addEventListener('keydown', function (event) {
      var target = event.target;
      var typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        input.focus();
        input.select();
      }
    });
    if (input.value) apply();
  }
  function copied(button) {
    var label = button.textContent;
    button.textContent = 'Copied';
    button.classList.add('copied');
    var live = document.getElementById('copy-status');
    if (live) live.textContent = 'Copied ' + button.getAttribute('data-text');
    setTimeout(function () { button.textContent = label; button.classList.remove('copied'); }, 1500);
  }
  function fallback(text, button) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand('copy')) copied(button); } catch (error) { /* nothing to copy with */ }
    document.body.removeChild(area);
    button.focus();
  }
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button[data-text]');
    if (!button) return;
    var text = button.getAttribute('data-text');
    // The Clipboard API needs a secure context: plain-HTTP intranet sites use the fallback.
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); }, function () { fallback(text, button); });
    } else {
      fallback(text, button);
    }
  });
})();
`

export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0550ae"/><path d="M7 12h18v12H7zM10 8h12v4H10z" fill="#fff"/></svg>
`
