import { DROPPED, attr, children, collapse, inlineMarkdown, isElement, parseHtml, plainText, webUrl, type Element, type Node } from './htmlInline.ts';

/**
 * A feed item's HTML body to the parts of a brief, by structure:
 * paragraphs before the first h2/h3 are the intro, each h2/h3 opens a
 * section, list items (and later paragraphs) are its bullets, the first
 * figure/img is the image, its figcaption the caption and credit.
 * parse5 does the parsing (the same algorithm browsers use); only text and
 * http(s) links come out, as inline Markdown.
 */

export interface BriefBody {
  intro: string[];
  sections: { heading: string; bullets: string[] }[];
  image?: { url: string; alt: string; caption?: string; credit?: string };
}

const SECTION_HEADINGS = new Set(['h2', 'h3']);
const OTHER_HEADINGS = new Set(['h1', 'h4', 'h5', 'h6']);
const INLINE = new Set([
  'a', 'abbr', 'b', 'bdi', 'bdo', 'cite', 'code', 'data', 'del', 'dfn', 'em', 'font', 'i', 'ins', 'kbd', 'mark',
  'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'time', 'u', 'var', 'br', 'wbr',
]);
const isList = (el: Element) => el.tagName === 'ul' || el.tagName === 'ol';
/** A class attribute longer than this is junk, not a credit. */
const MAX_CLASS_CHARS = 2_000;
/**
 * One class name of word characters and dashes that contains "credit" (`wp-credit`, `photoCredit`).
 * Split and tested name by name: one regex over the attribute backtracked quadratically on a long name.
 */
function hasCreditClass(el: Element): boolean {
  const names = attr(el, 'class');
  if (names.length > MAX_CLASS_CHARS) return false;
  return names.split(/\s+/).some((name) => /^[\w-]+$/.test(name) && name.toLowerCase().includes('credit'));
}

class Collector {
  readonly body: BriefBody = { intro: [], sections: [] };
  private loose: Node[] = [];
  /** A bare image (no figure): used only if the post has no figure at all. */
  private bareImage?: Element;
  constructor(private readonly base?: string) {}

  /** Text written straight into a container (no <p>) still reads as a paragraph. */
  private flush() {
    if (!this.loose.length) return;
    const holder = { nodeName: '#document-fragment', childNodes: this.loose } as unknown as Node;
    this.loose = [];
    this.paragraph(inlineMarkdown(holder, { base: this.base }));
  }

  private paragraph(md: string) {
    if (!md) return;
    const section = this.body.sections.at(-1);
    if (section) section.bullets.push(md);
    else this.body.intro.push(md);
  }

  private list(el: Element) {
    for (const li of children(el)) {
      if (!isElement(li)) continue;
      if (li.tagName !== 'li') {
        this.block(li);
        continue;
      }
      this.paragraph(inlineMarkdown(li, { base: this.base, skip: isList }));
      // A nested list's items become bullets of their own, after their parent.
      for (const c of children(li)) if (isElement(c) && isList(c)) this.list(c);
    }
  }

  private figure(el: Element) {
    if (el.tagName === 'img') this.bare(el);
    else this.imageFrom(el);
  }

  private bare(img: Element) {
    if (!this.bareImage && imageUrl(img, this.base)) this.bareImage = img;
  }

  private imageFrom(el: Element) {
    if (this.body.image) return;
    const img = findImage(el);
    const url = img && imageUrl(img, this.base);
    if (!img || !url) return;
    const caption = find(el, (n) => n.tagName === 'figcaption');
    const isCredit = (n: Element) => n.tagName === 'cite' || hasCreditClass(n);
    let captionMd = caption ? inlineMarkdown(caption, { base: this.base, skip: isCredit }) : '';
    const creditEl = caption ? find(caption, isCredit) : undefined;
    let credit = creditEl ? collapse(plainText(creditEl)).trim() : '';
    if (!credit && captionMd) [captionMd, credit] = splitTrailingCredit(captionMd);
    const alt = collapse(attr(img, 'alt')).trim();
    this.body.image = {
      url,
      alt: alt.slice(0, 1000),
      ...(captionMd ? { caption: captionMd } : {}),
      ...(credit ? { credit: credit.slice(0, 300) } : {}),
    };
  }

  block(n: Node) {
    if (!isElement(n)) {
      if (n.nodeName === '#text') this.loose.push(n as Node);
      else if (n.nodeName !== '#comment') for (const c of children(n)) this.block(c);
      return;
    }
    const tag = n.tagName;
    if (INLINE.has(tag)) {
      this.loose.push(n);
      return;
    }
    if (tag === 'figure' || tag === 'img') {
      this.flush();
      this.figure(n);
      return;
    }
    if (DROPPED.has(tag)) return;
    this.flush();
    if (SECTION_HEADINGS.has(tag)) {
      const heading = collapse(plainText(n)).trim();
      if (heading) this.body.sections.push({ heading: heading.slice(0, 300), bullets: [] });
    } else if (OTHER_HEADINGS.has(tag)) {
      const md = inlineMarkdown(n, { base: this.base });
      this.paragraph(md && `**${md}**`);
    } else if (tag === 'p') {
      // Classic WordPress wraps a lone image in a paragraph.
      const img = find(n, (c) => c.tagName === 'img');
      if (img) this.bare(img);
      this.paragraph(inlineMarkdown(n, { base: this.base }));
    } else if (isList(n)) {
      this.list(n);
    } else {
      for (const c of children(n)) this.block(c);
      this.flush();
    }
  }

  finish(): BriefBody {
    this.flush();
    if (!this.body.image && this.bareImage) this.imageFrom(this.bareImage);
    // A heading with nothing under it is decoration, not a section.
    this.body.sections = this.body.sections.filter((s) => s.bullets.length > 0);
    return this.body;
  }
}

function find(n: Node, match: (el: Element) => boolean): Element | undefined {
  for (const c of children(n)) {
    if (!isElement(c)) continue;
    if (match(c)) return c;
    const hit = find(c, match);
    if (hit) return hit;
  }
  return undefined;
}

const findImage = (el: Element) => (el.tagName === 'img' ? el : find(el, (n) => n.tagName === 'img'));

/** src, or the lazy-loading attribute WordPress themes use when src is a placeholder. */
function imageUrl(img: Element, base?: string): string | undefined {
  return webUrl(attr(img, 'src'), base) ?? webUrl(attr(img, 'data-src'), base);
}

/**
 * Captions often end with the credit as plain text: "… May 21, 2024. REUTERS/Valentyn Ogirenko"
 * or "… (Photo: Jane Doe)". Split that off; otherwise the whole caption stays a caption.
 * Hand-written scans rather than regexes (the patterns this replaced took 9.7 s on a
 * 96 KB caption), and only the caption's last CREDIT_WINDOW characters are searched.
 */
export function splitTrailingCredit(md: string): [string, string] {
  const from = Math.max(0, md.length - CREDIT_WINDOW);
  const split = labelledCredit(md, from) ?? agencyCredit(md, from);
  return split ? [split[0].trim(), split[1].replace(/\\(.)/g, '$1').trim()] : [md, ''];
}

/** A credit is a line, not a paragraph: nothing longer is looked for (the brief keeps 300 characters of it). */
const CREDIT_WINDOW = 1_000;
const LABELS = ['photograph', 'photo', 'image', 'credit'];
const isWordChar = (c: string | undefined) => c !== undefined && /\w/.test(c);
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
const skipSpaces = (s: string, i: number) => {
  while (isSpace(s[i])) i++;
  return i;
};

/**
 * "…, caption (Photo by: Jane Doe)" or "… Credit: Agency": a label word, an optional "by", a
 * colon, then a credit without parentheses to the end (one closing ")" allowed). The leftmost
 * label wins. Returns [caption, credit], both untrimmed.
 */
function labelledCredit(md: string, from: number): [string, string] | undefined {
  const trimmed = md.trimEnd();
  const body = trimmed.endsWith(')') ? trimmed.slice(0, -1) : trimmed;
  // The credit holds no parenthesis, so the label comes after the last one.
  const start = Math.max(from, body.lastIndexOf('(') + 1, body.lastIndexOf(')') + 1);
  for (let i = start; i < body.length; i++) {
    if (isWordChar(body[i - 1])) continue;
    for (const label of LABELS) {
      if (body.slice(i, i + label.length).toLowerCase() !== label) continue;
      const end = i + label.length;
      const byEnd = skipSpaces(body, end);
      const afterBy = byEnd > end && body.slice(byEnd, byEnd + 2).toLowerCase() === 'by' ? [byEnd + 2] : [];
      for (const j of [...afterBy, end]) {
        const colon = skipSpaces(body, j);
        if (body[colon] !== ':' || colon + 1 >= body.length) continue;
        const caption = body.slice(0, i);
        return [caption.endsWith('(') ? caption.slice(0, -1) : caption, body.slice(colon + 1)];
      }
    }
  }
  return undefined;
}

const isNameChar = (c: string | undefined) => c !== undefined && /[A-Za-z.&-]/.test(c);
const isCapital = (c: string | undefined) => c !== undefined && c >= 'A' && c <= 'Z';
const SENTENCE_ENDS = '.!?"”';

/**
 * "… 2024. REUTERS/Valentyn Ogirenko": after a sentence's end, capitalised words (letters, ".",
 * "&", "-"; one space apart), a slash and 2 to 120 more characters without one. The longest
 * such run of words wins. Returns [caption, credit].
 */
function agencyCredit(md: string, from: number): [string, string] | undefined {
  const slash = md.lastIndexOf('/');
  const tail = md.length - slash - 1;
  if (slash < 0 || tail < 2 || tail > 120) return undefined;
  let found: [string, string] | undefined;
  // Walk back one word at a time from the slash; each word start after a sentence end is a candidate.
  for (let end = slash - 1; end >= from; ) {
    let start = end;
    while (start > from && isNameChar(md[start - 1])) start--;
    if (!isNameChar(md[end]) || !isCapital(md[start]) || !isSpace(md[start - 1])) break;
    let sentenceEnd = start - 1;
    while (sentenceEnd > 0 && isSpace(md[sentenceEnd - 1])) sentenceEnd--;
    if (sentenceEnd > 0 && SENTENCE_ENDS.includes(md[sentenceEnd - 1]!)) found = [md.slice(0, sentenceEnd), md.slice(start)];
    // Words are one space apart; two spaces end the run.
    end = start - 2;
  }
  return found;
}

export function htmlToBriefBody(html: string, base?: string): BriefBody {
  const fragment = parseHtml(html);
  const collector = new Collector(base);
  for (const c of fragment.childNodes) collector.block(c);
  return collector.finish();
}
