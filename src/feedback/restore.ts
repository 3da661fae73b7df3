import type { Subscriber } from '../subscribers/model.ts';
import type { SubscriberStore } from '../subscribers/store.ts';

/**
 * An editor undoes one reader's bounce or complaint (the subscriber page, or
 * `POST /api/subscribers/:id/restore`): bounced or complained -> active, with
 * a `restore` event naming the editor (their token's label) in the consent log.
 * A reader who never confirmed stays out: restoring them would mail someone
 * who never opted in.
 */
export type RestoreResult =
  | { ok: true; subscriber: Subscriber }
  | { ok: false; code: 'NOT_FOUND' }
  | { ok: false; code: 'NOT_BOUNCED' | 'NEVER_CONFIRMED'; status: Subscriber['status'] };

export async function restoreReader(subscribers: SubscriberStore, id: string, editor: string): Promise<RestoreResult> {
  const before = /^[1-9][0-9]{0,14}$/.test(id) ? await subscribers.get(id) : null;
  if (!before) return { ok: false, code: 'NOT_FOUND' };
  if (before.status !== 'bounced' && before.status !== 'complained') return { ok: false, code: 'NOT_BOUNCED', status: before.status };
  const from = before.status;
  const at = new Date().toISOString();
  const r = await subscribers.restore(id, from, { type: 'restore', at, editor, from, detail: `${from} reader restored to active by an editor` });
  if (!r) return { ok: false, code: 'NOT_FOUND' };
  if (r.result === 'unconfirmed') return { ok: false, code: 'NEVER_CONFIRMED', status: r.status };
  if (r.result === 'refused') return { ok: false, code: 'NOT_BOUNCED', status: r.status };
  const after = await subscribers.get(id);
  return after ? { ok: true, subscriber: after } : { ok: false, code: 'NOT_FOUND' };
}
