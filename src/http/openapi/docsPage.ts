import { html, type Html } from '../html.ts';
import type { OpenApiDocument } from './document.ts';

type Op = { summary: string; tags: string[]; parameters?: { name: string; in: string; description: string; required: boolean }[]; requestBody?: { content: Record<string, { schema: { $ref?: string } }> }; responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }> };

const refName = (s: { $ref?: string }) => (s.$ref ? s.$ref.split('/').pop()! : undefined);
const mediaList = (content: Record<string, { schema: { $ref?: string } }> | undefined) =>
  Object.entries(content ?? {}).map(([type, { schema }]) => {
    const name = refName(schema);
    return html`<code>${type}</code>${name ? html` <a href="#schema-${name}">${name}</a>` : ''} `;
  });

/** A readable listing of the OpenAPI document: operations, then schemas. No scripts, no CDN. */
export function docsBody(doc: OpenApiDocument, jsonUrl: string): Html {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op: op as Op })));
  return html`<h1>${doc.info.title}</h1>
<p>${doc.info.description}</p>
<p>Machine-readable: <a href="${jsonUrl}">${jsonUrl}</a> (OpenAPI ${doc.openapi}).</p>
<h2>Operations</h2>
${ops.map(
  ({ path, method, op }) => html`<section class="op" id="op-${method}-${path}">
<h3><code>${method.toUpperCase()} ${path}</code></h3>
<p>${op.summary}</p>
${op.parameters?.length ? html`<p><strong>Parameters:</strong></p><ul>${op.parameters.map((p) => html`<li><code>${p.name}</code> (${p.in}${p.required ? ', required' : ''}): ${p.description}</li>`)}</ul>` : ''}
${op.requestBody ? html`<p><strong>Body:</strong> ${mediaList(op.requestBody.content)}</p>` : ''}
<p><strong>Responses:</strong></p><ul>${Object.entries(op.responses).map(([code, r]) => html`<li><code>${code}</code> ${r.description} ${mediaList(r.content)}</li>`)}</ul>
</section>`,
)}
<h2>Schemas</h2>
${Object.entries(doc.components.schemas).map(([name, schema]) => html`<section id="schema-${name}"><h3>${name}</h3><pre>${JSON.stringify(schema, null, 2)}</pre></section>`)}`;
}

export function docsDocument(doc: OpenApiDocument, jsonUrl: string): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title}</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
  section.op { border-top: 1px solid #ddd; }
  pre { background: #f6f6f6; padding: .8rem; overflow: auto; font-size: 12px; }
</style></head>
<body>${docsBody(doc, jsonUrl)}</body></html>`.value;
}
