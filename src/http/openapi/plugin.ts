import type { FastifyInstance, FastifySchemaCompiler, FastifySerializerCompiler, onRequestHookHandler } from 'fastify';
import swagger, { type SwaggerTransform } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createJsonSchemaTransform, createJsonSchemaTransformObject, validatorCompiler as zodValidator } from 'fastify-type-provider-zod';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { z } from 'zod';
import type { Config } from '../../config.ts';
import { notFound } from '../errors.ts';
import { apiSchemasFor } from './schemas.ts';

const validatedByRoute = new WeakSet<object>();

/**
 * Declares a body schema for the document while the route validates the body
 * itself. Used for the JSON brief: `validateBrief` also reads Markdown front
 * matter and the admin form, and words its errors for editors (one error per
 * unknown key, "is required", and Markdown errors at their lines), so the
 * same brief gets the same errors whichever way it comes.
 */
export function validatedByTheRoute<T extends z.ZodType>(schema: T): T {
  validatedByRoute.add(schema);
  return schema;
}

/** zod validates params, querystring and bodies; a 400 names each field (src/http/errors.ts). */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) =>
  validatedByRoute.has(route.schema) ? (data) => ({ value: data }) : zodValidator(route);

/**
 * Responses go out as the handler built them. The response schemas are for
 * the document: a zod serializer would strip a field the schema lags behind
 * on, or answer 500, and a reader of the API would pay for the drift.
 * test/http/responses.test.ts holds the real answers to the schemas instead.
 */
export const serializerCompiler: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

const DOC_ROUTES = ['/api/openapi.json', '/api/docs'];
const isContentMap = (body: unknown): body is { content: Record<string, { schema: z.ZodType }> } =>
  typeof body === 'object' && body !== null && 'content' in body && !('_zod' in body);

const operationId = (method: string, url: string) =>
  `${method.toLowerCase()}${url.replace(/[{}:]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;

/**
 * Only the editor API is documented; every other route (signup, webhooks,
 * /admin, health, metrics) stays out. fastify-type-provider-zod turns each
 * zod schema into JSON Schema; a body given per content type (JSON or
 * Markdown) is turned one content type at a time, which it does not do itself.
 */
function routeTransform(zodTransform: SwaggerTransform): SwaggerTransform {
  return (doc) => {
    const { url, route } = doc;
    if (!url.startsWith('/api/') || DOC_ROUTES.some((p) => url.startsWith(p))) return { schema: { hide: true }, url };
    const { body, ...rest } = (doc.schema ?? {}) as Record<string, unknown>;
    const out = zodTransform({ ...doc, schema: rest });
    const schema = (out.schema ?? {}) as Record<string, unknown>;
    const one = (b: unknown) => (zodTransform({ ...doc, schema: { body: b } }).schema as { body: unknown }).body;
    if (isContentMap(body)) {
      schema.body = { content: Object.fromEntries(Object.entries(body.content).map(([type, c]) => [type, { schema: one(c.schema) }])) };
    } else if (body) schema.body = one(body);
    const method = Array.isArray(route.method) ? route.method[0]! : route.method;
    schema.operationId ??= operationId(method, url);
    return { schema, url };
  };
}

/** Keeps the components some operation refers to: the zod transform emits every registered schema both as input and as output. */
function pruneComponents(doc: OpenAPIV3_1.Document): void {
  const prefix = '#/components/schemas/';
  const all = doc.components?.schemas ?? {};
  const keep = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string' && x.startsWith(prefix) && !keep.has(x.slice(prefix.length))) {
          keep.add(x.slice(prefix.length));
          visit(all[x.slice(prefix.length)]);
        } else visit(x);
      }
    }
  };
  visit(doc.paths);
  doc.components = { ...doc.components, schemas: Object.fromEntries(Object.entries(all).filter(([name]) => keep.has(name))) };
}

/** @fastify/swagger collects the routes registered after it; register it before them. */
export async function registerOpenApi(app: FastifyInstance, config: Config): Promise<void> {
  const { registry } = apiSchemasFor(config);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const zodObject = createJsonSchemaTransformObject({ schemaRegistry: registry });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `${config.mail.listName} editor API (briefwire)`,
        version: '1',
        description: 'Every route needs `Authorization: Bearer <editor token>`; errors carry a stable `code` and, for 400, the `fields` at fault.',
      },
      servers: [{ url: config.http.publicUrl }],
      security: [{ editorToken: [] }],
      tags: [{ name: 'briefs' }, { name: 'dispatches' }, { name: 'subscribers' }],
      components: { securitySchemes: { editorToken: { type: 'http', scheme: 'bearer' } } },
    },
    transform: routeTransform(createJsonSchemaTransform({ schemaRegistry: registry, skipList: [] })),
    transformObject: (input) => {
      const doc = zodObject(input) as OpenAPIV3_1.Document;
      pruneComponents(doc);
      // briefSchema checks topics with a refinement, which JSON Schema cannot show: say which names are accepted.
      const topics = (doc.components?.schemas?.BriefInput as { properties?: Record<string, { items?: { enum?: string[] } }> } | undefined)?.properties?.topics;
      if (topics?.items) topics.items.enum = [...config.topics];
      return doc;
    },
  });
}

/**
 * The page's own CSP: Swagger UI runs from files served here (no CDN, no
 * inline script); its React sets style attributes, and it fetches the
 * document from this origin. It replaces helmet's default on these routes.
 */
const DOCS_CSP = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
};

/**
 * Swagger UI at `prefix`, in a scope of its own (the plugin decorates its
 * parent, so two of them must not share one). `guard` runs on every route of
 * the scope, its static files included: `uiHooks` would skip those.
 */
export async function registerDocsUi(app: FastifyInstance, prefix: string, title: string, guard?: onRequestHookHandler): Promise<void> {
  await app.register(async (scope) => {
    if (guard) scope.addHook('onRequest', guard);
    // Any other path under the prefix is a 404 behind the same guard, so a stranger learns nothing of what is there.
    scope.get(`${prefix}/*`, { schema: { hide: true } }, async () => {
      throw notFound('page');
    });
    await scope.register(swaggerUi, {
      routePrefix: prefix,
      staticCSP: DOCS_CSP,
      theme: { title },
      uiConfig: { deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0 },
    });
  });
}
