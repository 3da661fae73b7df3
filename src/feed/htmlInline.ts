import { parseFragment, type DefaultTreeAdapterTypes as T } from 'parse5';

/**
 * Inline HTML (what sits inside a paragraph, list item or caption) to the
 * inline Markdown the brief model stores. Only text, emphasis and http(s)
 * links survive: every other tag is unwrapped to its text or dropped with its
 * content, and Markdown's own characters in the text are escaped, so nothing
 * in a feed can smuggle markup or a `javascript:` link into a brief.
 */

export type Node = T.ChildNode | T.ParentNode;
export type Element = T.Element;

/** Elements whose content is never reader text (or is active content). */
export const DROPPED = new Set([
  'script', 'style', 'noscript', 'template', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet',
  'svg', 'math', 'canvas', 'video', 'audio', 'source', 'track', 'picture', 'img', 'map', 'area',
  'form', 'input', 'button', 'select', 'option', 'textarea', 'label', 'link', 'meta', 'base', 'head', 'title', 'dialog',
]);

export const isElement = (n: Node): n is Element => 'tagName' in n;
const isText = (n: Node): n is T.TextNode => n.nodeName === '#text';

export function attr(el: Element, name: string): string {
  return el.attrs.find((a) => a.name === name)?.value ?? '';
}

export function children(n: Node): T.ChildNode[] {
  return 'childNodes' in n ? n.childNodes : [];
}

// Control characters never belong in brief text; whitespace of any kind becomes one space.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
export const collapse = (s: string) => s.replace(CONTROLS, '').replace(/\s+/g, ' ');

/** Backslash-escapes what markdown-it's inline rules would read as syntax (emphasis, links, code, autolinks, entities, strikethrough). */
export const escapeMarkdown = (s: string) => s.replace(/[\\`*_[\]<>&~]/g, (c) => `\\${c}`);

/** An absolute http(s) URL, resolved against the item's link; anything else (javascript:, data:, mailto:, junk) is refused. */
export function webUrl(href: string, base?: string): string | undefined {
  const value = href.trim();
  if (!value || value.length > 2000) return undefined;
  let u: URL;
  try {
    u = base ? new URL(value, base) : new URL(value);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) return undefined;
  return u.href;
}

/** Plain text of a subtree (headings, credits, alt fallbacks): no Markdown, dropped elements skipped. */
export function plainText(n: Node, skip?: (el: Element) => boolean): string {
  if (isText(n)) return n.value;
  if (isElement(n) && (DROPPED.has(n.tagName) || skip?.(n))) return '';
  if (isElement(n) && n.tagName === 'br') return ' ';
  return children(n)
    .map((c) => plainText(c, skip))
    .join('');
}

/** Puts `mark` around the words only: `** x**` is not emphasis in Markdown. */
function wrap(inner: string, mark: string): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(inner)!;
  return m[2] ? `${m[1]}${mark}${m[2]}${mark}${m[3]}` : inner;
}

export interface InlineOptions {
  base?: string;
  /** Subtrees to leave out (a list nested in a list item, a credit inside a caption). */
  skip?: (el: Element) => boolean;
}

function inline(n: Node, opts: InlineOptions, inLink: boolean): string {
  if (isText(n)) return escapeMarkdown(collapse(n.value));
  if (!isElement(n)) return n.nodeName === '#comment' ? '' : children(n).map((c) => inline(c, opts, inLink)).join('');
  if (DROPPED.has(n.tagName) || opts.skip?.(n)) return '';
  const inner = () => children(n).map((c) => inline(c, opts, inLink || n.tagName === 'a')).join('');
  switch (n.tagName) {
    case 'br':
      return ' ';
    case 'strong':
    case 'b':
      return wrap(inner(), '**');
    case 'em':
    case 'i':
      return wrap(inner(), '*');
    case 'a': {
      const text = inner();
      const href = inLink ? undefined : webUrl(attr(n, 'href'), opts.base);
      if (!href || !text.trim()) return text;
      // Parentheses would end the Markdown link destination early.
      return `[${text.trim()}](${href.replace(/\(/g, '%28').replace(/\)/g, '%29')})`;
    }
    case 'p':
    case 'div':
    case 'li':
    case 'blockquote':
      // A block inside inline content (a paragraph in a list item) still separates words.
      return ` ${inner()} `;
    default:
      return inner();
  }
}

/** The inline Markdown of an element's content, whitespace tidied; '' when it holds no text. */
export function inlineMarkdown(n: Node, opts: InlineOptions = {}): string {
  const md = children(n)
    .map((c) => inline(c, opts, false))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  // Emphasis marks around nothing but spaces carry no text.
  return /[^\s*]/.test(md) ? md : '';
}

/**
 * Feed text fields (titles, authors, categories) as plain text. Feeds carry
 * them HTML-escaped, often with numeric references (`US&#8217;s`) the XML
 * parser leaves alone; reading them as HTML decodes those and drops any tags.
 */
export function htmlText(s: string): string {
  return collapse(plainText(parseFragment(s))).trim();
}
