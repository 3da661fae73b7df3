import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FeedError } from './errors.ts';

/**
 * RSS 2.0 (WordPress style: full HTML in content:encoded, categories as tags,
 * dc:creator) and Atom, reduced to the few fields a brief needs. Nothing here
 * interprets the HTML: it is carried as a string to htmlToBrief.ts.
 */

export interface FeedItem {
  /** guid (RSS) or id (Atom), else the link: what the seen-set remembers. */
  id: string;
  link?: string;
  title: string;
  html: string;
  /** The short description/summary, used when the body has no intro of its own. */
  summary: string;
  categories: string[];
  author?: string;
  published?: Date;
}

export interface ParsedFeed {
  format: 'rss' | 'atom';
  title: string;
  items: FeedItem[];
}

/** A feed is rss > channel > item > field (plus an element or two of extensions); the default 100 leaves room for odd feeds. */
const MAX_XML_DEPTH = 100;

const parser = new XMLParser({
  maxNestedTags: MAX_XML_DEPTH,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['item', 'entry', 'category', 'link', 'author', 'dc:creator'].includes(name),
});

type Node = Record<string, unknown> | string | undefined;

/** The text of a node whether it came out as a string or as `{ '#text': ..., '@_attr': ... }`. */
function text(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') return String(node).trim();
  if (Array.isArray(node)) return text(node[0]);
  if (typeof node === 'object') return text((node as Record<string, unknown>)['#text']);
  return '';
}

const attr = (node: unknown, name: string): string =>
  node && typeof node === 'object' && !Array.isArray(node) ? text((node as Record<string, unknown>)[`@_${name}`]) : '';

const list = (node: unknown): unknown[] => (node === undefined || node === null ? [] : Array.isArray(node) ? node : [node]);

function date(value: string): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function parseFeed(xml: string): ParsedFeed {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new FeedError('FEED_MALFORMED_XML', `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  }
  let doc: Record<string, Node>;
  try {
    doc = parser.parse(xml) as Record<string, Node>;
  } catch (e) {
    const message = (e as Error).message;
    // fast-xml-parser's own guard (it builds the tree recursively); its message is all it gives.
    if (/nested tags/i.test(message)) throw new FeedError('FEED_TOO_DEEP', `the XML nests deeper than ${MAX_XML_DEPTH} levels`);
    throw new FeedError('FEED_MALFORMED_XML', `the XML could not be read (${message.slice(0, 200)})`);
  }
  const rss = doc.rss as Record<string, unknown> | undefined;
  if (rss && typeof rss === 'object') return parseRss(rss);
  const feed = doc.feed as Record<string, unknown> | undefined;
  if (feed && typeof feed === 'object') return parseAtom(feed);
  const root = Object.keys(doc).find((k) => !k.startsWith('?')) ?? 'nothing';
  throw new FeedError('FEED_UNRECOGNIZED', `the document is <${root.slice(0, 40)}>, not an RSS or Atom feed`);
}

function parseRss(rss: Record<string, unknown>): ParsedFeed {
  const channel = (rss.channel ?? {}) as Record<string, unknown>;
  const items: FeedItem[] = [];
  for (const raw of list(channel.item)) {
    const it = (raw ?? {}) as Record<string, unknown>;
    const link = text(it.link) || undefined;
    const guid = text(it.guid);
    const id = guid || link;
    if (!id) continue; // nothing to remember it by: it could never be deduplicated
    const description = text(it.description);
    items.push({
      id,
      link,
      title: text(it.title),
      html: text(it['content:encoded']) || description,
      summary: description,
      categories: list(it.category).map(text).filter(Boolean),
      author: text(it['dc:creator']) || text(it.author) || undefined,
      published: date(text(it.pubDate) || text(it['dc:date'])),
    });
  }
  return { format: 'rss', title: text(channel.title), items };
}

function atomLink(links: unknown[]): string | undefined {
  const alternate = links.find((l) => ['', 'alternate'].includes(attr(l, 'rel'))) ?? links[0];
  return attr(alternate, 'href') || text(alternate) || undefined;
}

/** Atom text constructs: type="html" arrives entity-decoded (HTML as a string); plain text is escaped for the HTML reader. */
function atomHtml(node: unknown): string {
  if (node === undefined || node === null) return '';
  const type = attr(node, 'type');
  const value = text(node);
  if (type === 'html') return value;
  if (type === 'xhtml') return ''; // an inline XHTML tree: rare on the sites we read; the summary stands in
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function parseAtom(feed: Record<string, unknown>): ParsedFeed {
  const feedAuthor = text((list(feed.author)[0] as Record<string, unknown> | undefined)?.name);
  const items: FeedItem[] = [];
  for (const raw of list(feed.entry)) {
    const e = (raw ?? {}) as Record<string, unknown>;
    const link = atomLink(list(e.link));
    const id = text(e.id) || link;
    if (!id) continue;
    const summaryHtml = atomHtml(e.summary);
    items.push({
      id,
      link,
      title: text(e.title),
      html: atomHtml(e.content) || summaryHtml,
      summary: summaryHtml,
      categories: list(e.category)
        .map((c) => attr(c, 'label') || attr(c, 'term'))
        .filter(Boolean),
      author: text((list(e.author)[0] as Record<string, unknown> | undefined)?.name) || feedAuthor || undefined,
      published: date(text(e.published) || text(e.updated)),
    });
  }
  return { format: 'atom', title: text(feed.title), items };
}
