import { escapeHtml } from '../escapeHtml.ts';

/**
 * A tiny HTML builder for the server-rendered pages: every interpolated value
 * is escaped unless it is itself `Html` (built here), so user input can only
 * ever appear as text.
 */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}


type Value = string | number | Html | null | undefined | false | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}

export function page(opts: { title: string; body: Html; listName: string }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${opts.title} · ${opts.listName}</title>
<style>
  :root { color-scheme: light dark; --fg:#1a1a1a; --bg:#f6f6f4; --card:#fff; --accent:#0b3d91; --muted:#555; }
  @media (prefers-color-scheme: dark) { :root { --fg:#eee; --bg:#121212; --card:#1e1e1e; --accent:#8ab4f8; --muted:#aaa; } }
  body { font: 17px/1.5 Georgia, 'Times New Roman', serif; color: var(--fg); background: var(--bg); margin: 0; }
  main { max-width: 34rem; margin: 2rem auto; background: var(--card); padding: 1.5rem 2rem; border-radius: 6px; }
  h1 { font-size: 1.6rem; margin-top: 0; }
  label { display: block; margin: .6rem 0 .2rem; }
  input[type=email], input[type=text] { width: 100%; padding: .5rem; font: inherit; box-sizing: border-box; }
  fieldset { border: 1px solid #ccc; border-radius: 4px; }
  fieldset label { display: flex; gap: .5rem; align-items: center; margin: .2rem 0; }
  button { font: inherit; padding: .6rem 1.2rem; margin-top: 1rem; background: var(--accent); color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
  .hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
  .error { color: #b00020; font-size: .9rem; }
  .muted { color: var(--muted); font-size: .9rem; }
</style>
</head>
<body><main>${opts.body}</main></body>
</html>`.value;
}
