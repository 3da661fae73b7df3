import { X509Certificate } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { CertificateNotFound, isSigningCertUrl, snsUrl, type FetchCertificate } from './sns.ts';

/**
 * The two outbound requests SNS makes us do: fetching a signing certificate
 * and visiting a SubscribeURL. Both refuse anything but an SNS host (again:
 * whoever calls them may have forgotten), never follow redirects (a redirect
 * is a way off the SNS host), time out, and read a bounded body.
 */

export interface SnsFetchOptions {
  timeoutMs?: number;
  maxBytes?: number;
  /** The `fetch` to use; the global one unless a test provides its own. */
  fetch?: typeof globalThis.fetch;
}

class AnswerStatus extends Error {
  constructor(readonly status: number) {
    super(`GET answered ${status}`);
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw new Error(`response larger than ${maxBytes} bytes`);
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`response larger than ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

async function get(url: string, o: Required<SnsFetchOptions>): Promise<Buffer> {
  const res = await o.fetch(url, { method: 'GET', redirect: 'error', signal: AbortSignal.timeout(o.timeoutMs) });
  try {
    if (res.status < 200 || res.status > 299) throw new AnswerStatus(res.status);
    return await readCapped(res, o.maxBytes);
  } finally {
    // Whatever was not read is not wanted; free the socket.
    await res.body?.cancel().catch(() => undefined);
  }
}

const defaults = (o: SnsFetchOptions, maxBytes: number): Required<SnsFetchOptions> => ({
  timeoutMs: o.timeoutMs ?? 5_000,
  maxBytes: o.maxBytes ?? maxBytes,
  fetch: o.fetch ?? globalThis.fetch,
});

/**
 * A certificate fetcher with a cache by URL: SNS signs with a handful of
 * certificates, so after the first message each is a map lookup. A failed
 * fetch is not cached, and concurrent misses share one request.
 */
export function createSnsCertificateFetcher(options: SnsFetchOptions & { cacheSize?: number; cacheTtlMs?: number } = {}): FetchCertificate {
  const o = defaults(options, 64 * 1024);
  const cache = new LRUCache<string, Promise<string>>({ max: options.cacheSize ?? 64, ttl: options.cacheTtlMs ?? 24 * 3600_000 });
  return (url) => {
    if (!isSigningCertUrl(url)) return Promise.reject(new Error('not an SNS certificate URL'));
    const hit = cache.get(url);
    if (hit) return hit;
    const pending = get(url, o).then(
      (body) => {
        const pem = body.toString('utf8');
        new X509Certificate(pem); // a body that is not a certificate must not be cached as one
        return pem;
      },
      (err) => {
        // SNS saying "no such file" on its own host: the URL was made up.
        throw err instanceof AnswerStatus && err.status >= 400 && err.status <= 499 ? new CertificateNotFound(err.message) : err;
      },
    );
    cache.set(url, pending);
    pending.catch(() => cache.delete(url));
    return pending;
  };
}

/** Visits a SubscribeURL (any 2xx confirms the subscription). */
export function createSnsUrlFetcher(options: SnsFetchOptions = {}): (url: string) => Promise<void> {
  const o = defaults(options, 16 * 1024);
  return async (url) => {
    if (!snsUrl(url)) throw new Error('not an SNS URL');
    await get(url, o);
  };
}
