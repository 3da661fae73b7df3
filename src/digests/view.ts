import type { BriefStore } from '../briefs/store.ts';
import type { Dispatch } from '../dispatch/model.ts';
import type { DispatchStore } from '../dispatch/store.ts';
import type { DigestStore } from './store.ts';

/** A digest send as the API, the CLI and /admin show it: its briefs by title, and the ledger's counts. */
export interface DigestSendView {
  id: string;
  run?: string;
  status: Dispatch['status'];
  createdAt: string;
  finishedAt?: string;
  briefs: { id: string; title: string; slug?: string }[];
  total: number;
  sent: number;
  failed: number;
  suppressed: number;
  uncertain: number;
  expired: number;
  bounced: number;
  complained: number;
  missing?: number;
  /** Once done: total = sent + failed + suppressed + uncertain + expired. */
  reconciled: boolean | null;
}

export async function listDigestSends(deps: { digests: DigestStore; dispatches: DispatchStore; briefs: BriefStore }, limit: number): Promise<DigestSendView[]> {
  const ids = await deps.digests.sendIds(limit);
  const sends = (await Promise.all(ids.map((id) => deps.dispatches.get(id)))).filter((d): d is Dispatch => d !== null);
  const titles = new Map<string, { title: string; slug?: string } | null>();
  for (const briefId of new Set(sends.flatMap((d) => d.briefIds ?? []))) {
    const b = await deps.briefs.get(briefId);
    titles.set(briefId, b ? { title: b.brief.title, slug: b.slug } : null);
  }
  return sends.map((d) => ({
    id: d.id,
    ...(d.run ? { run: d.run } : {}),
    status: d.status,
    createdAt: d.createdAt,
    ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
    briefs: (d.briefIds ?? []).map((id) => ({ id, ...(titles.get(id) ?? { title: '(deleted brief)' }) })),
    total: d.total,
    sent: d.sent,
    failed: d.failed,
    suppressed: d.suppressed,
    uncertain: d.uncertain,
    expired: d.expired,
    bounced: d.bounced,
    complained: d.complained,
    ...(d.missing !== undefined ? { missing: d.missing } : {}),
    reconciled: d.status === 'done' ? d.missing === 0 : null,
  }));
}
