import { defaultTreeAdapter, parseFragment, type DefaultTreeAdapterMap, type DefaultTreeAdapterTypes as T, type TreeAdapter } from 'parse5';
import { FeedError } from './errors.ts';

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

/**
 * Browsers' parsers stop nesting at 512 levels; real posts stay under 50. The walks
 * below recurse once (or a few frames) per level, so this also keeps them far
 * from the stack limit, and stopping the parse there bounds parse5's own work.
 */
export const MAX_HTML_DEPTH = 256;
/** A brief holds at most 500,000 characters of text; markup around that stays well under this. */
export const MAX_HTML_CHARS = 1_000_000;

const tooDeep = () => new FeedError('FEED_ITEM_TOO_DEEP', `the item's HTML nests deeper than ${MAX_HTML_DEPTH} levels`);

/** parse5's tree builder, refusing an element as soon as it would sit deeper than MAX_HTML_DEPTH. */
function depthCappedAdapter(): TreeAdapter<DefaultTreeAdapterMap> {
  const depths = new WeakMap<Node, number>();
  // A template's content is a fragment of its own, made before the template is placed.
  const templateOf = new WeakMap<Node, Node>();
  const depthOf = (n: Node): number => depths.get(n) ?? (templateOf.has(n) ? (depths.get(templateOf.get(n)!) ?? 0) : 0);
  const place = (parent: Node, node: Node) => {
    const depth = depthOf(parent) + 1;
    // +1: parse5 builds a fragment under a stand-in <html>. assertShallow makes the exact check.
    if (depth > MAX_HTML_DEPTH + 1 && isElement(node)) throw tooDeep();
    depths.set(node, depth);
  };
  return {
    ...defaultTreeAdapter,
    appendChild(parent, node) {
      place(parent, node);
      defaultTreeAdapter.appendChild(parent, node);
    },
    insertBefore(parent, node, reference) {
      place(parent, node);
      defaultTreeAdapter.insertBefore(parent, node, reference);
    },
    setTemplateContent(template, content) {
      templateOf.set(content, template);
      defaultTreeAdapter.setTemplateContent(template, content);
    },
  };
}

/** Without recursion: the adoption agency moves subtrees after they were placed, so the cap is checked once more on the finished tree. */
function assertShallow(root: Node): void {
  const stack: [Node, number][] = [[root, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (depth > MAX_HTML_DEPTH && isElement(node)) throw tooDeep();
    for (const c of children(node)) stack.push([c, depth + 1]);
  }
}

/**
 * Feed HTML to a parse5 fragment, or a FeedError (FEED_ITEM_TOO_LARGE,
 * FEED_ITEM_TOO_DEEP) for input no post looks like: the walks in this module
 * and htmlToBrief.ts recurse per level, and would otherwise end in a RangeError.
 */
export function parseHtml(html: string): T.DocumentFragment {
  if (html.length > MAX_HTML_CHARS) {
    throw new FeedError('FEED_ITEM_TOO_LARGE', `the item's HTML is ${html.length} characters, over the ${MAX_HTML_CHARS} cap`);
  }
  const fragment = parseFragment(html, { treeAdapter: depthCappedAdapter() });
  assertShallow(fragment);
  return fragment;
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

/** Puts `mark` around the words only: `** x**` is not emphasis in Markdown. (trim, not a regex: a lazy group before `\s*$` is quadratic in a long run of spaces.) */
function wrap(inner: string, mark: string): string {
  const words = inner.trim();
  if (!words) return inner;
  const before = inner.length - inner.trimStart().length;
  const after = inner.length - inner.trimEnd().length;
  return `${inner.slice(0, before)}${mark}${words}${mark}${inner.slice(inner.length - after)}`;
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
  return collapse(plainText(parseHtml(s))).trim();
}
