import { cadenceFor, parseDeliveryEntry, type CadenceSetting } from './model.ts';
import { quietUntil, type QuietHours } from './time.ts';

/**
 * Where the planner sends one reader of a dispatch: to their daily digest
 * (`daily`: not in this dispatch's batches at all), or into a batch that may
 * go at `notBefore` (ms; 0 = at once). An instant alert that falls in the
 * reader's quiet hours waits until they end in the reader's zone; a breaking
 * one does not wait.
 */
export type Route = { kind: 'daily' } | { kind: 'send'; notBefore: number };

/**
 * A held batch of a dispatch that expires before the quiet hours end waits
 * until just after the expiry instead: its claims then find it expired, and
 * the dispatch finishes then rather than hours later. The margin covers clock
 * drift between the planner's host and the sender's.
 */
export const EXPIRY_MARGIN_MS = 5_000;

export interface RouterOptions {
  /** The dispatch's audience topics. */
  topics: readonly string[];
  defaultTimeZone: string;
  quietHours?: QuietHours;
  /** Breaking: quiet hours do not apply. */
  ignoreQuietHours: boolean;
  /** When planning started (kept in the dispatch, so a re-run routes alike). */
  planAtMs: number;
  expiresMs?: number;
}

const NOW: Route = { kind: 'send', notBefore: 0 };
const DAILY: Route = { kind: 'daily' };

export function createRouter(opts: RouterOptions) {
  // Readers share a handful of settings and zones: each is parsed, and each zone's quiet hours worked out, once.
  const settings = new Map<string, { cadence: CadenceSetting; timeZone?: string }>();
  const byZone = new Map<string, Route>();

  const holdFor = (zone: string): Route => {
    let route = byZone.get(zone);
    if (route) return route;
    let until: number | null;
    try {
      until = quietUntil(opts.planAtMs, zone, opts.quietHours!);
    } catch {
      // A zone this Node's ICU no longer knows: the list's own zone.
      until = quietUntil(opts.planAtMs, opts.defaultTimeZone, opts.quietHours!);
    }
    if (until === null) route = NOW;
    else route = { kind: 'send', notBefore: opts.expiresMs !== undefined && until > opts.expiresMs ? opts.expiresMs + EXPIRY_MARGIN_MS : until };
    byZone.set(zone, route);
    return route;
  };

  return (reader: { topics: readonly string[]; delivery: string | null }): Route => {
    const entry = reader.delivery ?? '';
    let setting = settings.get(entry);
    if (!setting) settings.set(entry, (setting = parseDeliveryEntry(entry)));
    if (cadenceFor(setting.cadence, reader.topics, opts.topics) === 'daily') return DAILY;
    if (!opts.quietHours || opts.ignoreQuietHours) return NOW;
    return holdFor(setting.timeZone ?? opts.defaultTimeZone);
  };
}
