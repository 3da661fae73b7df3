import { FeedError } from './errors.ts';

/**
 * One HTTP fetch of a feed, defensive on every axis a remote server controls:
 * a deadline over the whole exchange (headers and body), a byte cap enforced
 * while streaming, redirects followed by hand and bounded, and conditional
 * GET so an unchanged feed costs one 304.
 */

export interface Validators {
  etag?: string;
  lastModified?: string;
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects?: number;
}

export type FetchResult =
  | { kind: 'not-modified' }
  | { kind: 'ok'; body: string; contentType: string; validators: Validators; finalUrl: string };

const ACCEPT = 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1';

function isWebUrl(u: URL): boolean {
  return u.protocol === 'http:' || u.protocol === 'https:';
}

export async function fetchFeed(url: string, validators: Validators, limits: FetchLimits): Promise<FetchResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  try {
    return await fetchWithin(url, validators, limits, controller.signal);
  } catch (e) {
    if (e instanceof FeedError) throw e;
    if (controller.signal.aborted) throw new FeedError('FEED_TIMEOUT', `no complete answer within ${limits.timeoutMs} ms`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new FeedError('FEED_UNREACHABLE', `request failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchWithin(url: string, validators: Validators, limits: FetchLimits, signal: AbortSignal): Promise<FetchResult> {
  const maxRedirects = limits.maxRedirects ?? 5;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { accept: ACCEPT, 'user-agent': 'briefwire-feed-watcher' };
    if (validators.etag) headers['if-none-match'] = validators.etag;
    if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
    const res = await fetch(current, { headers, redirect: 'manual', signal });
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      await res.body?.cancel().catch(() => undefined);
      if (hop >= maxRedirects) throw new FeedError('FEED_TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects`);
      const location = res.headers.get('location');
      const next = location && URL.canParse(location, current) ? new URL(location, current) : undefined;
      if (!next || !isWebUrl(next)) throw new FeedError('FEED_BAD_REDIRECT', `redirect ${res.status} to an unusable location`);
      current = next;
      continue;
    }
    if (res.status === 304) {
      await res.body?.cancel().catch(() => undefined);
      return { kind: 'not-modified' };
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new FeedError('FEED_HTTP_STATUS', `the server answered ${res.status}`);
    }
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    // An HTML page where a feed should be is a login wall, a CDN error or a moved site.
    if (contentType === 'text/html' || contentType === 'application/xhtml+xml') {
      await res.body?.cancel().catch(() => undefined);
      throw new FeedError('FEED_NOT_XML', `the server sent ${contentType}, not a feed`);
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new FeedError('FEED_TOO_LARGE', `the feed is ${declared} bytes, over the ${limits.maxBytes} byte cap`);
    }
    const body = await readCapped(res, limits.maxBytes);
    return {
      kind: 'ok',
      body,
      contentType,
      finalUrl: current.href,
      validators: {
        etag: res.headers.get('etag') ?? undefined,
        lastModified: res.headers.get('last-modified') ?? undefined,
      },
    };
  }
}

/** Reads the body as UTF-8, giving up as soon as it passes the cap (a lying or absent Content-Length). */
async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new FeedError('FEED_TOO_LARGE', `the feed passed the ${maxBytes} byte cap`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}
