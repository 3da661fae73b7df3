import type { CompiledBrief, SlotName } from './compile.ts';
import { fillSplice, htmlSafeValues, prepareSplice, type SpliceTemplate } from './splice.ts';

/**
 * The per-recipient step of a send: a compiled brief is split once, then each
 * recipient costs two array joins. HTML values are escaped for attributes;
 * text values go in as they are.
 */

export interface PreparedBrief {
  subject: string;
  html: SpliceTemplate;
  text: SpliceTemplate;
}

export type RecipientValues = Record<SlotName, string>;

export function prepareCompiled(compiled: CompiledBrief): PreparedBrief {
  return {
    subject: compiled.subject,
    html: prepareSplice(compiled.html, compiled.slots),
    text: prepareSplice(compiled.text, compiled.slots),
  };
}

export function personalize(prepared: PreparedBrief, values: RecipientValues): { subject: string; html: string; text: string } {
  return {
    subject: prepared.subject,
    html: fillSplice(prepared.html, htmlSafeValues(values)),
    text: fillSplice(prepared.text, values),
  };
}
