/**
 * A reader's cadence: each brief as it is dispatched (`instant`, the default),
 * or gathered into one daily digest (`daily`), for all topics or per topic.
 * The per-topic form maps topics to either; a topic it does not name is
 * instant.
 *
 * Stored as one string field (`cadence` on the subscriber hash, and in the
 * `subs:delivery` index the planner reads): `instant`, `daily`, or
 * `daily:<topics>` (the daily topics, "|"-joined like every topic list). The
 * Lua scripts only need to know that anything but `instant` (or nothing) has
 * a daily part.
 */

export const CADENCES = ['instant', 'daily'] as const;
export type Cadence = (typeof CADENCES)[number];
export type CadenceSetting = Cadence | Readonly<Record<string, Cadence>>;

const PER_TOPIC = 'daily:';

/** The stored form: `instant` | `daily` | `daily:<daily topics>`; a map with no daily topic is `instant`. */
export function encodeCadence(setting: CadenceSetting): string {
  if (typeof setting === 'string') return setting;
  const daily = Object.keys(setting)
    .filter((t) => setting[t] === 'daily')
    .sort();
  return daily.length ? `${PER_TOPIC}${daily.join('|')}` : 'instant';
}

export function decodeCadence(stored: string | undefined | null): CadenceSetting {
  if (!stored || stored === 'instant') return 'instant';
  if (stored === 'daily') return 'daily';
  if (!stored.startsWith(PER_TOPIC)) return 'instant';
  const map: Record<string, Cadence> = Object.create(null);
  for (const t of stored.slice(PER_TOPIC.length).split('|')) if (t) map[t] = 'daily';
  return map;
}

/** Whether a setting sends anything to the digest at all (the `subs:daily` index holds exactly these readers). */
export const hasDaily = (setting: CadenceSetting) => encodeCadence(setting) !== 'instant';

/**
 * How one dispatch reaches one reader. The topics that brought it to them are
 * the dispatch's topics they picked (all of them for a reader who picked none):
 * a brief goes to the digest only when every one of those is daily for them,
 * so a brief that also carries one of their instant topics arrives at once,
 * and never again in the digest.
 */
export function cadenceFor(setting: CadenceSetting, readerTopics: readonly string[], dispatchTopics: readonly string[]): Cadence {
  if (typeof setting === 'string') return setting;
  const matched = readerTopics.length ? dispatchTopics.filter((t) => readerTopics.includes(t)) : dispatchTopics;
  if (!matched.length) return 'instant';
  return matched.every((t) => setting[t] === 'daily') ? 'daily' : 'instant';
}

/** The same audience rule as src/dispatch/audience.ts: topics meet, or the reader (or the dispatch) has none. */
export function inAudience(readerTopics: readonly string[], dispatchTopics: readonly string[]): boolean {
  return !readerTopics.length || !dispatchTopics.length || readerTopics.some((t) => dispatchTopics.includes(t));
}

/**
 * Input as the signup JSON, the preferences page and the CSV take it:
 * `"instant"`, `"daily"`, or a map from topic to either (CSV: `Russia=daily|Ukraine=instant`).
 * Returns the setting, or a message naming what is wrong.
 */
export function parseCadence(input: unknown, topics: readonly string[]): { ok: true; value: CadenceSetting } | { ok: false; message: string } {
  if (input === undefined || input === null || input === '') return { ok: true, value: 'instant' };
  if (typeof input === 'string') {
    const s = input.trim();
    if ((CADENCES as readonly string[]).includes(s)) return { ok: true, value: s as Cadence };
    if (!s.includes('=')) return { ok: false, message: 'must be "instant", "daily", or a map from topic to either' };
    const map: Record<string, unknown> = Object.create(null);
    for (const pair of s.split('|').map((p) => p.trim()).filter(Boolean)) {
      const at = pair.lastIndexOf('=');
      if (at <= 0) return { ok: false, message: `"${pair.slice(0, 60)}" is not topic=instant or topic=daily` };
      map[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
    return parseCadence(map, topics);
  }
  if (typeof input !== 'object' || Array.isArray(input)) return { ok: false, message: 'must be "instant", "daily", or a map from topic to either' };
  const known = new Set(topics);
  const map: Record<string, Cadence> = Object.create(null);
  for (const [topic, value] of Object.entries(input as Record<string, unknown>)) {
    if (!known.has(topic)) return { ok: false, message: `"${topic.slice(0, 60)}" is not a known topic` };
    if (value !== 'instant' && value !== 'daily') return { ok: false, message: `${topic}: must be "instant" or "daily"` };
    map[topic] = value;
  }
  return { ok: true, value: map };
}

/** The CSV cell: `instant`, `daily`, or `Russia=daily|Ukraine=daily` (topics not named are instant). */
export function cadenceCell(setting: CadenceSetting): string {
  if (typeof setting === 'string') return setting;
  const daily = Object.keys(setting).filter((t) => setting[t] === 'daily').sort();
  return daily.length ? daily.map((t) => `${t}=daily`).join('|') : 'instant';
}

/** How a reader's cadence reads on a page: "instant", "daily", or "daily for Russia, Ukraine; instant otherwise". */
export function describeCadence(setting: CadenceSetting): string {
  if (typeof setting === 'string') return setting === 'daily' ? 'a daily digest' : 'each alert as it is sent';
  const daily = Object.keys(setting).filter((t) => setting[t] === 'daily').sort();
  return daily.length ? `a daily digest for ${daily.join(', ')}; other topics as they are sent` : 'each alert as it is sent';
}

/**
 * The `subs:delivery` index entry of a reader: `<time zone>;<cadence>`, or ''
 * (no entry) for an instant reader in the default zone. The zone comes first:
 * it never holds a `;`, a topic name might.
 */
export function deliveryEntry(setting: CadenceSetting, timeZone: string | undefined): string {
  const cadence = encodeCadence(setting);
  return cadence === 'instant' && !timeZone ? '' : `${timeZone ?? ''};${cadence}`;
}

export function parseDeliveryEntry(entry: string | null | undefined): { cadence: CadenceSetting; timeZone?: string } {
  if (!entry) return { cadence: 'instant' };
  const at = entry.indexOf(';');
  const timeZone = at > 0 ? entry.slice(0, at) : '';
  return { cadence: decodeCadence(entry.slice(at + 1)), ...(timeZone ? { timeZone } : {}) };
}
