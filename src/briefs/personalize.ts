import { escapeHtml } from '../escapeHtml.ts';
import type { CompiledBrief, SlotName } from './compile.ts';
import { fillSplice, prepareSplice, type SpliceParts } from './splice.ts';

/**
 * The per-recipient step of a compiled brief: split once, then each recipient
 * costs a join per part. The editor's preview fills strings here; the bulk
 * message (src/dispatch/bulkMessage.ts) takes the same split and the same slot
 * values, MIME-encoded, so a preview shows what a reader gets.
 */

export interface PreparedBrief {
  subject: string;
  html: SpliceParts;
  text: SpliceParts;
}

export type RecipientValues = Record<SlotName, string>;
export type BodyPart = 'html' | 'text';

export function prepareCompiled(compiled: CompiledBrief): PreparedBrief {
  return {
    subject: compiled.subject,
    html: prepareSplice(compiled.html, compiled.slots),
    text: prepareSplice(compiled.text, compiled.slots),
  };
}

/** A personal value never carries a line end into the message (a header it could split, a bare LF). */
export function oneLine(v: string): string {
  return /[\r\n]/.test(v) ? v.replace(/[\r\n]+/g, '') : v;
}

/** What a slot gets for a (one-line) value: escaped in HTML, safe as text and in a quoted attribute; as it is in text. */
export function slotValue(part: BodyPart, value: string): string {
  return part === 'html' ? escapeHtml(value) : value;
}

function partValues(part: BodyPart, values: RecipientValues): RecipientValues {
  const out = {} as RecipientValues;
  for (const name of Object.keys(values) as SlotName[]) out[name] = slotValue(part, oneLine(values[name]));
  return out;
}

export function personalize(prepared: PreparedBrief, values: RecipientValues): { subject: string; html: string; text: string } {
  return {
    subject: prepared.subject,
    html: fillSplice(prepared.html, partValues('html', values)),
    text: fillSplice(prepared.text, partValues('text', values)),
  };
}
