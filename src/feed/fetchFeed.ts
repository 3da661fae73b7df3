import type { LookupAddress } from 'node:dns';
import { lookup as resolveHost } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { FeedError } from './errors.ts';

/**
 * One HTTP fetch of a feed, defensive on every axis a remote server controls:
 * a deadline over the whole exchange (headers and body), a byte cap enforced
 * while streaming (on the decompressed bytes), redirects followed by hand,
 * bounded, and never to a non-public address, and conditional GET so an
 * unchanged feed costs one 304.
 *
 * node:http rather than fetch: a redirect target is resolved once, checked,
 * and then connected to at exactly the addresses checked (a pinned lookup), so
 * a DNS answer that changes between the check and the connection (rebinding)
 * cannot lead the watcher inside the network.
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
const MAX_REDIRECTS = 3;

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
    const err = e as NodeJS.ErrnoException & { cause?: { code?: string; message?: string } };
    throw new FeedError('FEED_UNREACHABLE', `request failed: ${err.code ?? err.cause?.code ?? err.cause?.message ?? err.message}`);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchWithin(url: string, validators: Validators, limits: FetchLimits, signal: AbortSignal): Promise<FetchResult> {
  const maxRedirects = limits.maxRedirects ?? MAX_REDIRECTS;
  const configured = new URL(url);
  let current = configured;
  let pinned: LookupAddress[] | undefined;
  const headers: OutgoingHttpHeaders = { accept: ACCEPT, 'accept-encoding': 'gzip, br', 'user-agent': 'briefwire-feed-watcher' };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
  for (let hop = 0; ; hop++) {
    const res = await send(current, headers, signal, pinned);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && status !== 304) {
      res.destroy();
      if (hop >= maxRedirects) throw new FeedError('FEED_TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects`);
      const location = res.headers.location;
      const next = location && URL.canParse(location, current) ? new URL(location, current) : undefined;
      if (!next || !isWebUrl(next)) throw new FeedError('FEED_BAD_REDIRECT', `redirect ${status} to an unusable location`);
      pinned = await vetRedirect(next, configured, signal);
      current = next;
      continue;
    }
    if (status !== 200) {
      res.destroy();
      if (status === 304) return { kind: 'not-modified' };
      throw new FeedError('FEED_HTTP_STATUS', `the server answered ${status}`);
    }
    const contentType = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    // An HTML page where a feed should be is a login wall, a CDN error or a moved site.
    if (contentType === 'text/html' || contentType === 'application/xhtml+xml') {
      res.destroy();
      throw new FeedError('FEED_NOT_XML', `the server sent ${contentType}, not a feed`);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      res.destroy();
      throw new FeedError('FEED_TOO_LARGE', `the feed is ${declared} bytes, over the ${limits.maxBytes} byte cap`);
    }
    const body = await readCapped(res, limits.maxBytes);
    return {
      kind: 'ok',
      body,
      contentType,
      finalUrl: current.href,
      validators: { etag: header(res, 'etag'), lastModified: header(res, 'last-modified') },
    };
  }
}

const header = (res: IncomingMessage, name: string) => {
  const value = res.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** One request; with `pinned`, the connection goes to those addresses whatever DNS says now. */
function send(url: URL, headers: OutgoingHttpHeaders, signal: AbortSignal, pinned?: LookupAddress[]): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { headers, signal, agent: false, ...(pinned ? { lookup: pinnedLookup(pinned) } : {}) }, (res) => {
      // Errors after this are met by the body reader; one in between must not go unheard.
      res.on('error', () => undefined);
      resolve(res);
    });
    // Not once(): an abort after the answer came emits again, and an unheard error would crash the process.
    req.on('error', reject);
    req.end();
  });
}

function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const fit = addresses.filter((a) => !family || a.family === family);
    if (!fit.length) return callback(Object.assign(new Error('no checked address of that family'), { code: 'ENOTFOUND' }), '', 0);
    if (options.all) return callback(null, fit);
    return callback(null, fit[0]!.address, fit[0]!.family);
  };
}

/** Reads the body as UTF-8, giving up as soon as it passes the cap (a lying or absent Content-Length, a compression bomb). */
async function readCapped(res: IncomingMessage, maxBytes: number): Promise<string> {
  const encoding = (header(res, 'content-encoding') ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'br' ? createBrotliDecompress() : undefined;
  const source: Readable = decoder ? pipeline(res, decoder, () => undefined) : res;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      res.destroy();
      throw new FeedError('FEED_TOO_LARGE', `the feed passed the ${maxBytes} byte cap`);
    }
    chunks.push(chunk);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

// --- Where a redirect may lead ---

/**
 * Not public: this host, private networks, carrier-grade NAT, link-local
 * (169.254.169.254 is the cloud metadata service), multicast, reserved and
 * unspecified addresses.
 */
const NON_PUBLIC = new BlockList();
const IPV4_RANGES = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const;
// ::/96 holds ::, ::1 and the deprecated IPv4-compatible form; fc00::/7 includes AWS's metadata fd00:ec2::254.
const IPV6_RANGES = [['::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]] as const;
for (const [net, prefix] of IPV4_RANGES) NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of IPV6_RANGES) NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** Cloud metadata services by name, refused before any DNS is asked (they resolve to link-local addresses anyway). */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** The eight 16-bit words of an IPv6 address (a trailing dotted quad allowed). */
function ipv6Words(address: string): number[] {
  const words = (part: string) =>
    part
      ? part.split(':').flatMap((w) => {
          if (!w.includes('.')) return [parseInt(w, 16)];
          const [a, b, c, d] = w.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        })
      : [];
  const [head = '', tail] = address.split('::');
  const start = words(head);
  const end = tail === undefined ? [] : words(tail);
  return [...start, ...new Array<number>(8 - start.length - end.length).fill(0), ...end];
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address. */
function embeddedIpv4(address: string): string | undefined {
  const w = ipv6Words(address);
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) return quad(w[6]!, w[7]!);
  if (w[0] === 0x64 && w[1] === 0xff9b && w.slice(2, 6).every((x) => x === 0)) return quad(w[6]!, w[7]!);
  if (w[0] === 0x2002) return quad(w[1]!, w[2]!);
  return undefined;
}

export function isPublicAddress(address: string): boolean {
  const bare = address.split('%')[0]!;
  const family = isIP(bare);
  if (family === 4) return !NON_PUBLIC.check(bare, 'ipv4');
  if (family !== 6) return false;
  const inner = embeddedIpv4(bare);
  if (inner && NON_PUBLIC.check(inner, 'ipv4')) return false;
  return !NON_PUBLIC.check(bare, 'ipv6');
}

/** A URL's host as DNS and isIP know it: no IPv6 brackets, no trailing dot, lower case. */
const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();

/** The redirect target's addresses. dns.lookup takes no AbortSignal, so the deadline is raced here. */
function addressesOf(host: string, signal: AbortSignal): Promise<LookupAddress[]> {
  const family = isIP(host);
  if (family) return Promise.resolve([{ address: host, family }]);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    resolveHost(host, { all: true, verbatim: true })
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Checks a redirect target and returns the addresses to connect to (nothing
 * to pin for an IP literal, or for the configured feed's own host, which the
 * operator chose). The WHATWG URL parser has already turned 2130706433,
 * 0x7f.1 and 0177.0.0.1 into 127.0.0.1.
 */
async function vetRedirect(target: URL, configured: URL, signal: AbortSignal): Promise<LookupAddress[] | undefined> {
  const host = hostOf(target);
  if (host === hostOf(configured)) return undefined;
  const refuse = (why: string) => new FeedError('FEED_REDIRECT_BLOCKED', `redirect to ${host} refused: ${why}, and the feed itself is not on that host`);
  if (METADATA_NAMES.has(host)) throw refuse('it names a cloud metadata service');
  let addresses: LookupAddress[];
  try {
    addresses = await addressesOf(host, signal);
  } catch (e) {
    if (signal.aborted) throw e;
    throw new FeedError('FEED_UNREACHABLE', `the redirect target ${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? 'no answer'})`);
  }
  // Every address must pass: an answer mixing a public and a private address is someone's trick.
  const blocked = addresses.find((a) => !isPublicAddress(a.address));
  if (blocked) throw refuse(`${blocked.address} is not a public address`);
  return isIP(host) ? undefined : addresses;
}
