import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

/**
 * Inline Markdown (intro paragraphs, bullets, captions) to HTML and to plain
 * text. Editors may use **bold**, *em*, `code` and [links](https://...); raw
 * HTML is escaped (html:false) and only web and mailto links survive, so an
 * editor's `<script>` or `javascript:` link reaches no reader as markup.
 */

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

const md = new MarkdownIt('zero', { html: false, linkify: false, typographer: false, breaks: false });
// 'zero' preset: only the inline rules we want. No images (a remote image in a
// bullet is a tracking pixel waiting to happen), no raw HTML, no autolinks of
// bare text.
md.enable(['emphasis', 'link', 'autolink', 'backticks', 'entity', 'escape', 'strikethrough', 'newline']);

md.validateLink = (url: string) => SAFE_LINK.test(url.trim());

// Links open from an email or a web page; noopener keeps the opened page from
// reaching back through window.opener.
md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  tokens[idx].attrSet('rel', 'noopener');
  return self.renderToken(tokens, idx, options);
};

/** Inline Markdown to an HTML fragment safe to place inside a block element. */
export function inlineToHtml(src: string): string {
  return md.renderInline(src);
}

/** Inline Markdown to plain text: `**x**` → `x`, `[t](u)` → `t (u)`. */
export function inlineToText(src: string): string {
  const tokens = md.parseInline(src, {});
  const out: string[] = [];
  for (const block of tokens) walk(block.children ?? [], out);
  return out.join('').replace(/[ \t]+/g, ' ').trim();
}

function walk(tokens: Token[], out: string[]): void {
  // Each open link remembers where its text starts, so the URL is written
  // only when it differs from the text (autolinks already show it).
  const linkStack: { href: string; start: number }[] = [];
  for (const t of tokens) {
    switch (t.type) {
      case 'text':
      case 'code_inline':
        out.push(t.content);
        break;
      case 'softbreak':
        out.push(' ');
        break;
      case 'hardbreak':
        out.push('\n');
        break;
      case 'link_open':
        linkStack.push({ href: String(t.attrGet('href') ?? ''), start: out.length });
        break;
      case 'link_close': {
        const link = linkStack.pop();
        if (!link) break;
        const text = out.slice(link.start).join('').trim();
        const shown = link.href.replace(/^mailto:/i, '');
        if (link.href && text !== link.href && text !== shown) out.push(` (${link.href})`);
        break;
      }
      default:
        // strong/em/s open and close tags carry no text.
        break;
    }
  }
}
