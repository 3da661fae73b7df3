import { readFileSync } from 'node:fs';
import type { Harness } from '../support/harness.ts';
import { until } from '../support/harness.ts';

export const seedBrief = () => JSON.parse(readFileSync(new URL('../fixtures/seed-brief.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** Adds `n` confirmed subscribers `user<i>@<domain>`; `topicsFor(i)` picks each one's topics. */
export async function addSubscribers(h: Harness, n: number, topicsFor: (i: number) => string[] = () => [], domain = 'example.org') {
  const ids: string[] = [];
  const ev = { type: 'confirm' as const, at: new Date().toISOString(), ip: '127.0.0.1' };
  const chunk = 100;
  for (let start = 0; start < n; start += chunk) {
    const rows = await Promise.all(
      Array.from({ length: Math.min(chunk, n - start) }, (_, k) =>
        h.services.subscribers.importRow({ email: `user${start + k}@${domain}`, name: '', topics: topicsFor(start + k), status: 'active', event: ev }),
      ),
    );
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

export async function createBrief(h: Harness, overrides: Record<string, unknown> = {}) {
  const res = await h.app.inject({ method: 'POST', url: '/api/briefs', headers: h.auth, payload: { ...seedBrief(), slug: undefined, ...overrides } });
  if (res.statusCode !== 201) throw new Error(`brief not created: ${res.body}`);
  return res.json() as { id: string; slug: string };
}

export async function dispatch(h: Harness, briefId: string, body: Record<string, unknown> = {}) {
  return h.app.inject({ method: 'POST', url: `/api/briefs/${briefId}/dispatches`, headers: h.auth, payload: body });
}

export async function status(h: Harness, id: string) {
  const res = await h.app.inject({ method: 'GET', url: `/api/dispatches/${id}`, headers: h.auth });
  return res.json() as Record<string, any>;
}

export function waitForStatus(h: Harness, id: string, wanted: string | ((d: Record<string, any>) => boolean), timeoutMs = 120_000) {
  const ok = typeof wanted === 'string' ? (d: Record<string, any>) => d.status === wanted : wanted;
  return until(() => status(h, id), ok, timeoutMs, `dispatch ${id}`);
}

/** Messages received per recipient address. */
export function countByRecipient(h: Harness) {
  const counts = new Map<string, number>();
  for (const m of h.smtp.received) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}
