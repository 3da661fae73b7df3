import { compileBrief, type CompiledBrief } from '../../src/briefs/compile.ts';
import { validateBrief, type Brief } from '../../src/briefs/model.ts';
import { prepareCompiled, personalize, type PreparedBrief } from '../../src/briefs/personalize.ts';
import { buildBulkMessage, renderBulkMessage, type PrebuiltMessage } from '../../src/dispatch/bulkMessage.ts';
import { TOPICS } from '../../test/support/harness.ts';
import { seedBrief } from './stack.ts';

/** The seed brief as the product compiles it, plus what the comparisons need per recipient. */

export const FROM = 'Fast Thinking <alerts@briefwire.localhost>';
export const LIST_ID = 'Fast Thinking <fast-thinking.briefwire.localhost>';
export const COMPILE_OPTS = { publicUrl: 'https://news.example.org', postalAddress: 'briefwire, 1 Example Street, Washington, DC 20005, USA' };

export function seedBriefModel(): Brief {
  const v = validateBrief(seedBrief(), TOPICS);
  if (!v.ok) throw new Error(`seed brief invalid: ${JSON.stringify(v.errors)}`);
  return v.brief;
}

export interface SeedMessage {
  brief: Brief;
  compiled: CompiledBrief;
  prepared: PreparedBrief;
  template: PrebuiltMessage;
  /** Bytes of one recipient's message as briefwire sends it. */
  size: number;
}

export async function seedMessage(): Promise<SeedMessage> {
  const brief = seedBriefModel();
  const compiled = await compileBrief(brief, COMPILE_OPTS);
  const template = buildBulkMessage(compiled, { from: FROM, listId: LIST_ID, date: new Date() });
  const size = Buffer.byteLength(renderBulkMessage(template, recipientFields('reader1@bench.example.org', 1)));
  return { brief, compiled, prepared: prepareCompiled(compiled), template, size };
}

/** Per-recipient values shaped like the real ones (a signed token is ~60 characters). */
export function recipientFields(to: string, i: number) {
  const token = `${i.toString(36)}.${'x'.repeat(43)}`;
  return {
    to,
    messageId: `d1.${i}@briefwire.localhost`,
    unsubscribeUrl: `https://news.example.org/unsubscribe/${token}`,
    preferencesUrl: `https://news.example.org/preferences/${token}`,
  };
}

/** What a plain Nodemailer sender would hand sendMail: the brief filled in for this reader. */
export function plainMail(m: { prepared: PreparedBrief }, to: string, i: number) {
  const f = recipientFields(to, i);
  const body = personalize(m.prepared, { email: to, unsubscribeUrl: f.unsubscribeUrl, preferencesUrl: f.preferencesUrl });
  return {
    from: FROM,
    to,
    subject: body.subject,
    html: body.html,
    text: body.text,
    list: { unsubscribe: f.unsubscribeUrl, id: LIST_ID },
  };
}
