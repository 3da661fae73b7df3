import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { FieldError } from './errors.ts';

/**
 * Where in a Markdown brief each error belongs, so the editor shows it at its
 * line: parse errors already name theirs ("line 12: …", or YAML's "at line 3"
 * counted within the front matter); validation errors name a field
 * (`topics.0`, `sections.1.bullets.2`), found here in the front matter's YAML
 * nodes or in the body's blocks, read the way markdown.ts reads them.
 */

export interface LocatedError extends FieldError {
  /** 1-based line in the Markdown source. */
  line: number;
}

const md = new MarkdownIt('commonmark', { html: false });

interface Layout {
  /** 1-based line of the first front matter line (after the opening `---`), and of the body's first line. */
  frontLine: number;
  bodyLine: number;
  front: string;
  body: string;
}

function layout(src: string): Layout | null {
  const lines = src.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines[0]?.trim() !== '---') return null;
  const end = lines.findIndex((l, i) => i > 0 && (l.trim() === '---' || l.trim() === '...'));
  if (end < 0) return null;
  return { frontLine: 2, bodyLine: end + 2, front: lines.slice(1, end).join('\n'), body: lines.slice(end + 1).join('\n') };
}

const lineAt = (text: string, offset: number) => text.slice(0, Math.max(0, offset)).split('\n').length;

/** Line of a front matter field: the key of a top-level field, the value node of a nested one. */
function frontMatterLine(l: Layout, path: string[]): number | undefined {
  const doc = parseDocument(l.front, { schema: 'core' });
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const pair = root.items.find((p) => isScalar(p.key) && String(p.key.value) === path[0]);
  if (!pair) return undefined;
  let node: Node | null | undefined = (path.length === 1 ? pair.key : pair.value) as Node | null;
  for (const seg of path.slice(1)) {
    if (isSeq(node)) node = node.items[Number(seg)] as Node | undefined;
    else if (isMap(node)) node = (node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg)?.value ?? node) as Node;
    else break;
  }
  const range = node?.range ?? (pair.key as Node | null)?.range;
  return range ? l.frontLine - 1 + lineAt(l.front, range[0]) : undefined;
}

interface BodyLines {
  intro: number[];
  sections: { line: number; bullets: number[] }[];
}

/** The body's blocks as markdown.ts reads them: intro paragraphs, `## ` sections and their top-level bullets. */
function bodyLines(l: Layout): BodyLines {
  const tokens = md.parse(l.body, {});
  const out: BodyLines = { intro: [], sections: [] };
  const lineOf = (t: Token) => (t.map ? t.map[0] + l.bodyLine : l.bodyLine);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.level === 0 && t.type === 'heading_open' && t.tag === 'h2') out.sections.push({ line: lineOf(t), bullets: [] });
    else if (t.level === 0 && t.type === 'paragraph_open' && !out.sections.length) out.intro.push(lineOf(t));
    else if (t.level === 1 && t.type === 'list_item_open' && out.sections.length) out.sections.at(-1)!.bullets.push(lineOf(t));
  }
  return out;
}

const BODY_FIELDS = new Set(['intro', 'sections']);

export function locateErrors(src: string, errors: readonly FieldError[]): LocatedError[] {
  const l = typeof src === 'string' ? layout(src) : null;
  let body: BodyLines | undefined;
  const bodyOf = (lay: Layout) => (body ??= bodyLines(lay));
  return errors.map((e) => {
    const said = /^line (\d+):/.exec(e.message);
    if (said) return { ...e, line: Number(said[1]) };
    if (!l) return { ...e, line: 1 };
    if (e.field === 'frontMatter') {
      const yamlLine = / at line (\d+), column \d+/.exec(e.message);
      return { ...e, line: yamlLine ? l.frontLine - 1 + Number(yamlLine[1]) : 1 };
    }
    const path = e.field ? e.field.split('.') : [];
    if (!path.length) return { ...e, line: 1 };
    if (BODY_FIELDS.has(path[0]!)) {
      const b = bodyOf(l);
      const n = path[1] === undefined ? undefined : Number(path[1]);
      let line: number | undefined;
      if (path[0] === 'intro') line = n === undefined ? b.intro[0] : b.intro[n];
      else {
        const section = n === undefined ? b.sections[0] : b.sections[n];
        const m = path[3] === undefined ? undefined : Number(path[3]);
        line = path[2] === 'bullets' && m !== undefined ? section?.bullets[m] : section?.line;
      }
      return { ...e, line: line ?? l.bodyLine };
    }
    // A missing required field has no line of its own: the front matter's first.
    return { ...e, line: frontMatterLine(l, path) ?? 1 };
  });
}
