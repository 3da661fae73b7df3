import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config.ts';
import { createHarness, type Harness } from '../support/harness.ts';

/** Issue 15, item 6: what a newcomer hits in the first minutes. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('a newcomer', () => {
  it('without PUBLIC_URL, links follow the port it listens on', () => {
    expect(loadConfig({ PORT: '3400' }).http.publicUrl).toBe('http://localhost:3400');
    expect(loadConfig({}).http.publicUrl).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '3400', PUBLIC_URL: 'https://news.example.org/' }).http.publicUrl).toBe('https://news.example.org');
  });

  it('gets 415 for a body type a route does not take, on public and editor routes alike', async () => {
    for (const [url, headers] of [
      ['/subscribe', {}],
      ['/api/dispatches/d1/pause', h.auth],
      ['/api/subscribers/import', h.auth],
    ] as const) {
      const res = await h.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'text/plain' }, payload: 'email=a@example.org' });
      expect(res.statusCode, url).toBe(415);
      expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('still takes the text bodies the contract names: a Markdown brief, a CSV import, a one-click unsubscribe', async () => {
    const md = readFileSync(new URL('../fixtures/seed-brief.md', import.meta.url), 'utf8');
    expect((await h.app.inject({ method: 'POST', url: '/api/briefs', headers: { ...h.auth, 'content-type': 'text/markdown' }, payload: md })).statusCode).toBe(201);
    const csv = await h.app.inject({ method: 'POST', url: '/api/subscribers/import?status=active', headers: { ...h.auth, 'content-type': 'text/csv' }, payload: 'email\nnewcomer@example.org\n' });
    expect(csv.statusCode).toBe(200);
    const id = (await h.services.subscribers.findByEmail('newcomer@example.org'))!.id;
    const token = h.services.linkTokens.sign(id);
    const boundary = 'bwboundary';
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const res = await h.app.inject({ method: 'POST', url: `/unsubscribe/${token}`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: multipart });
    expect(res.statusCode).toBe(200);
    expect((await h.services.subscribers.get(id))?.status).toBe('unsubscribed');
  });
});
