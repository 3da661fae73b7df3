import { randomBytes } from 'node:crypto';
import type Handlebars from 'handlebars';
import type { Config } from '../config.ts';
import type { Brief } from '../briefs/model.ts';
import type { StoredBrief } from '../briefs/store.ts';
import type { CompiledBrief, SlotName } from '../briefs/compile.ts';
import { BriefError } from '../briefs/errors.ts';
import { renderMjml } from '../briefs/render.ts';
import { inlineToHtml, inlineToText } from '../briefs/inline.ts';
import { wrap } from '../briefs/plainText.ts';
import { dateLabel, webUrlFor } from '../briefs/viewModel.ts';
import { buildBulkMessage, type PrebuiltMessage } from '../dispatch/bulkMessage.ts';
import { DIGEST_MJML } from './template.ts';

/**
 * One digest email for one set of briefs: titles, first paragraphs and links
 * to the web versions. Rendered once per distinct set in a digest run and
 * MIME-encoded like a brief's prebuilt message, so every reader who shares the
 * set shares the message and gets the same headers (List-Unsubscribe and its
 * one-click POST, List-Id, Message-ID) and footer links as any bulk mail.
 */

export interface DigestItem {
  title: string;
  introHtml: string;
  intro: string;
  webUrl: string;
  dateLabel: string;
  byline: string;
  topicsLabel: string;
}

export interface DigestView {
  subject: string;
  preheader: string;
  series: string;
  countLabel: string;
  items: DigestItem[];
  postalAddress: string;
  slots: Record<SlotName, string>;
}

let template: Handlebars.TemplateDelegate | undefined;

/** Placeholders as compile.ts makes them: [a-z0-9-] with a random nonce the content does not contain. */
function makeSlots(content: string): Record<SlotName, string> {
  for (;;) {
    const prefix = `bwslot-${randomBytes(4).toString('hex')}-`;
    if (content.includes(prefix)) continue;
    return { unsubscribeUrl: `${prefix}unsubscribeurl`, preferencesUrl: `${prefix}preferencesurl`, email: `${prefix}email` };
  }
}

export function digestSubject(series: string, briefs: readonly Brief[]): string {
  const first = briefs[0]?.title.replace(/\s+/g, ' ').trim() ?? '';
  return `${series} digest: ${first}${briefs.length > 1 ? ` and ${briefs.length - 1} more` : ''}`;
}

function digestView(config: Config, briefs: readonly Brief[]): DigestView {
  const series = briefs[0]?.series || config.mail.listName;
  const items = briefs.map((b) => ({
    title: b.title,
    introHtml: b.intro[0] ? inlineToHtml(b.intro[0]) : '',
    intro: b.intro[0] ? inlineToText(b.intro[0]) : '',
    webUrl: webUrlFor(b, config.http.publicUrl),
    dateLabel: dateLabel(b.publishedAt),
    byline: b.byline,
    topicsLabel: b.topics.join(', '),
  }));
  return {
    subject: digestSubject(series, briefs),
    preheader: items.map((i) => i.title).join(' · ').slice(0, 140),
    series,
    countLabel: `${items.length} brief${items.length === 1 ? '' : 's'}`,
    items,
    postalAddress: config.mail.postalAddress,
    slots: makeSlots(JSON.stringify(briefs)),
  };
}

function plainText(view: DigestView): string {
  const out: string[] = [wrap(`${view.series.toUpperCase()} | Daily digest, ${view.countLabel}`), ''];
  for (const item of view.items) {
    out.push(wrap(item.title), '-'.repeat(Math.min(item.title.length, 76)), `${item.dateLabel} | By ${item.byline} | ${item.topicsLabel}`, '');
    if (item.intro) out.push(wrap(item.intro), '');
    out.push(`Read the brief: ${item.webUrl}`, '');
  }
  out.push('-- ');
  out.push(wrap(`You are receiving this because you subscribed to ${view.series} alerts and asked for a daily digest. It was sent to ${view.slots.email}.`));
  out.push(`Update your preferences: ${view.slots.preferencesUrl}`, `Unsubscribe: ${view.slots.unsubscribeUrl}`, wrap(view.postalAddress));
  return `${out.join('\n')}\n`;
}

/** The digest as a compiled email with slots: what the prebuilt message is built from. */
export async function compileDigest(config: Config, briefs: readonly Brief[]): Promise<CompiledBrief> {
  if (!briefs.length) throw new BriefError('TEMPLATE_INVALID', 'a digest needs at least one brief');
  const view = digestView(config, briefs);
  // Handlebars loads with the first digest rendered, not with this module.
  template ??= (await import('handlebars')).default.create().compile(DIGEST_MJML);
  const html = await renderMjml(template(view));
  if (!html.includes(view.slots.unsubscribeUrl)) throw new BriefError('TEMPLATE_INVALID', 'the digest template must contain the unsubscribe link');
  return { subject: view.subject, html, text: plainText(view), slots: view.slots, htmlBytes: Buffer.byteLength(html, 'utf8'), warnings: [], templateHash: 'digest' };
}

export interface DigestMessageInput {
  config: Config;
  /** The set's briefs, newest first. */
  briefs: StoredBrief[];
  date: Date;
}

/** Compiles each set's digest (MJML) and MIME-encodes it: what the thread runs. */
export async function buildDigestMessages(inputs: DigestMessageInput[]): Promise<PrebuiltMessage[]> {
  const out: PrebuiltMessage[] = [];
  for (const { config, briefs, date } of inputs) {
    const compiled = await compileDigest(config, briefs.map((b) => b.brief));
    out.push(buildBulkMessage(compiled, { from: config.mail.from, listId: config.mail.listId, date }));
  }
  return out;
}
