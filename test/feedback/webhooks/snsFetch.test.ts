import { beforeAll, describe, expect, it } from 'vitest';
import { createSnsCertificateFetcher, createSnsUrlFetcher } from '../../../src/feedback/webhooks/snsFetch.ts';
import { CertificateNotFound } from '../../../src/feedback/webhooks/sns.ts';
import { snsSigner } from './support.ts';

/**
 * The real certificate fetcher and SubscribeURL visitor. The network is
 * replaced by a `fetch` that records what it was asked: what matters here is
 * what they refuse to ask for, and what they do with the answer.
 */

const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem';
let pem: string;
beforeAll(() => {
  pem = snsSigner().pem;
});

function recordingFetch(answer: () => Response) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return answer();
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

describe('createSnsCertificateFetcher', () => {
  it('fetches an SNS certificate once, without following redirects, and serves it from the cache after', async () => {
    const f = recordingFetch(() => new Response(pem, { status: 200 }));
    const get = createSnsCertificateFetcher({ fetch: f.fetch });
    expect(await get(CERT_URL)).toBe(pem);
    expect(await get(CERT_URL)).toBe(pem);
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0].init?.redirect).toBe('error');
    expect(f.calls[0].init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('never asks for a URL that is not an https certificate URL on an SNS host', async () => {
    const f = recordingFetch(() => new Response(pem));
    const get = createSnsCertificateFetcher({ fetch: f.fetch });
    for (const url of ['http://sns.eu-west-1.amazonaws.com/x.pem', 'https://sns.eu-west-1.amazonaws.com.evil.com/x.pem', 'https://u:p@sns.eu-west-1.amazonaws.com/x.pem', 'https://169.254.169.254/x.pem']) {
      await expect(get(url), url).rejects.toThrow();
    }
    expect(f.calls).toEqual([]);
  });

  it('refuses a body over the cap, and a body that is not a certificate, and caches neither', async () => {
    const big = recordingFetch(() => new Response('x'.repeat(70_000)));
    const getBig = createSnsCertificateFetcher({ fetch: big.fetch });
    await expect(getBig(CERT_URL)).rejects.toThrow(/larger than/);
    await expect(getBig(CERT_URL)).rejects.toThrow();
    expect(big.calls).toHaveLength(2);

    const html = recordingFetch(() => new Response('<html>not a certificate</html>'));
    const getHtml = createSnsCertificateFetcher({ fetch: html.fetch });
    await expect(getHtml(CERT_URL)).rejects.toThrow();
    await expect(getHtml(CERT_URL)).rejects.toThrow();
    expect(html.calls).toHaveLength(2);
  });

  it('a 4xx is "no such certificate", told apart from a failure to ask', async () => {
    const f = recordingFetch(() => new Response('NoSuchKey', { status: 404 }));
    await expect(createSnsCertificateFetcher({ fetch: f.fetch })(CERT_URL)).rejects.toBeInstanceOf(CertificateNotFound);
    const down = recordingFetch(() => {
      throw new TypeError('fetch failed');
    });
    const err = await createSnsCertificateFetcher({ fetch: down.fetch })(CERT_URL).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(CertificateNotFound);
  });

  it('a non-2xx answer is a failure, retried on the next message', async () => {
    let status = 503;
    const f = recordingFetch(() => new Response(status === 200 ? pem : 'unavailable', { status }));
    const get = createSnsCertificateFetcher({ fetch: f.fetch });
    await expect(get(CERT_URL)).rejects.toThrow(/503/);
    status = 200;
    expect(await get(CERT_URL)).toBe(pem);
  });
});

describe('createSnsUrlFetcher', () => {
  it('visits an SNS SubscribeURL without following redirects', async () => {
    const f = recordingFetch(() => new Response('<ConfirmSubscriptionResponse/>'));
    const visit = createSnsUrlFetcher({ fetch: f.fetch });
    const url = 'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=abc';
    await visit(url);
    expect(f.calls.map((c) => [c.url, c.init?.redirect])).toEqual([[url, 'error']]);
  });

  it('refuses anything off the SNS hosts, and fails on a non-2xx', async () => {
    const f = recordingFetch(() => new Response('no', { status: 403 }));
    const visit = createSnsUrlFetcher({ fetch: f.fetch });
    await expect(visit('https://evil.example/?Action=ConfirmSubscription')).rejects.toThrow();
    expect(f.calls).toEqual([]);
    await expect(visit('https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=abc')).rejects.toThrow(/403/);
  });
});
