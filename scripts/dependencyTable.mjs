#!/usr/bin/env node
// `npm run docs:deps`: the README's dependency table, from package.json and what is installed:
// each package's version, the Node versions it declares, and why briefwire uses it.
// test/config/dependencies.test.ts fails when the table is stale or a package refuses Node 20.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const REASONS = {
  '@bull-board/api':'the queue dashboard at `/admin/queues` (with @bull-board/fastify)',
  '@bull-board/fastify':'mounts Bull Board in the Fastify app',
  '@fastify/cookie':'the admin session cookie',
  '@fastify/formbody':'HTML form posts (signup, unsubscribe, admin forms)',
  '@fastify/helmet':'security headers on every response (the default CSP, no-referrer, nosniff, DENY framing); pages with a script set their own nonce CSP',
  '@fastify/swagger':"the editor API's OpenAPI 3.1 document, built from the routes' own schemas (`/api/openapi.json`)",
  '@fastify/swagger-ui':'the API docs page (`/api/docs`, `/admin/api-docs`), its files served by the app (no CDN) under its own CSP; Scalar needs Node 22',
  '@fastify/multipart':'RFC 8058 one-click posts sent as multipart, and brief uploads in /admin',
  'bullmq':'durable Redis queues: retries, backoff, rate limiting, stalled-job recovery, job schedulers, priorities',
  'csv-parse':'subscriber import, RFC 4180-correct',
  'csv-stringify':'subscriber export',
  'fast-xml-parser':'RSS and Atom for the feed watcher (no DTD, bounded depth)',
  'fastify':'the HTTP API: schema-friendly, `inject()` for tests, safe JSON parsing and body limits',
  'fastify-type-provider-zod':"the routes' zod schemas: Fastify validates params, query and bodies with them, and they become the OpenAPI document",
  'handlebars':'the little templating around MJML, the confirmation and the web page',
  'imapflow':"the bounce mailbox (`BOUNCE_IMAP_URL`), from Nodemailer's author",
  'ioredis':'Redis and Redis Cluster, `defineCommand` for the Lua scripts',
  'lru-cache':'bounded caches: compiled briefs, templates, prebuilt messages, Message-ID tags',
  'mailparser':'reading bounce and complaint messages (DSN, ARF)',
  'markdown-it':'the Markdown brief format (raw HTML off)',
  'mjml':'responsive email HTML that renders in Outlook, Gmail and Apple Mail; once per brief',
  'nodemailer':'sends every message (`SMTPConnection`), MailComposer, QP and header encoders, DKIM',
  'openapi-types':"types of the OpenAPI document (its components are pruned and the brief's topics named after generation)",
  'parse5':"the feed's item HTML, read as a browser would, depth-limited",
  'pino':'JSON logs with redaction',
  'pino-pretty':'readable logs on a development terminal (loaded only there)',
  'prom-client':'Prometheus metrics',
  'smtp-server':'the bounce listener (an MX for `BOUNCE_ADDRESS`); a real SMTP peer in tests',
  'tsx':'runs the TypeScript in development and tests; production runs `dist/` without it',
  'uplot':"the ops page's charts, served by the app (no CDN)",
  'yaml':'Markdown front matter',
  'zod':'every input and the config',
  '@types/mailparser':'types','@types/markdown-it':'types','@types/mjml':'types','@types/node':'types (Node 20)','@types/smtp-server':'types','@types/semver':'types',
  'autocannon':'HTTP load in `bench/`',
  'eslint':'`npm run lint`',
  'typescript-eslint':'type-aware lint rules (floating promises, unused code)',
  'fast-check':'property-based fuzz tests',
  'mailauth':'verifies DKIM signatures in tests',
  'playwright-core':"drives Debian's Chromium in the browser tests (no bundled browser download)",
  'semver':"checks every dependency's `engines` against Node 20",
  'typescript':'`npm run typecheck` and the production build',
  'vitest':'the test runner (4.x: 5 needs Node 22)',
};

const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const rows = [];
for (const [kind, deps] of [['runtime', pkg.dependencies], ['dev', pkg.devDependencies]]) {
  for (const name of Object.keys(deps)) {
    const m = JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), 'utf8'));
    const engines = (m.engines?.node ?? '*(not declared)*').replaceAll('|', '\\|');
    if (!REASONS[name]) throw new Error(`scripts/dependencyTable.mjs: say why ${name} is used (REASONS)`);
    rows.push(`| \`${name}\` | ${m.version} | ${kind} | ${engines} | ${REASONS[name]} |`);
  }
}
const table = ['| package | version | kind | Node engines | why |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
const readmeUrl = new URL('README.md', root);
const readme = readFileSync(readmeUrl, 'utf8');
const start = readme.indexOf('<!-- deps:start -->');
const end = readme.indexOf('<!-- deps:end -->');
if (start < 0 || end < 0) throw new Error('README.md has no <!-- deps:start --> / <!-- deps:end --> markers');
writeFileSync(readmeUrl, `${readme.slice(0, start)}<!-- deps:start -->\n${table}\n${readme.slice(end)}`);
console.log('wrote the dependency table in README.md');
