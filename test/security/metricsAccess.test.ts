import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { BEARER_BUDGET } from '../../src/http/editorAuth.ts';
import { createHarness, testEnv, type Harness } from '../support/harness.ts';

/**
 * Issue 14, finding 9: /metrics (queue depths, send rates, dispatch progress)
 * was public unless someone set METRICS_TOKEN, and the token was compared with
 * `!==`. In production the token is now required unless METRICS_PUBLIC=true;
 * it is compared in constant time (SHA-256 of both sides, timingSafeEqual: by
 * reading, src/http/editorAuth.ts) and wrong ones spend the bearer budget.
 */

const PRODUCTION = { NODE_ENV: 'production', EDITOR_TOKENS: 'production-editor-token-0123456789abcdef' };
const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const metrics = (authorization?: string, remoteAddress = '198.51.100.5') =>
  h!.app.inject({ url: '/metrics', remoteAddress, headers: authorization ? { authorization } : {} });

describe('/metrics in production', () => {
  it('will not start without METRICS_TOKEN: the error names it and says how to opt out', () => {
    let err: unknown;
    try {
      loadConfig(testEnv('{bwt-metrics}', 'smtp://127.0.0.1:2525', PRODUCTION));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/METRICS_TOKEN: required when NODE_ENV=production/);
    expect((err as Error).message).toContain('METRICS_PUBLIC=true');
  });

  it('with a token: refused without it, with a near miss, a prefix or another scheme; served with it', async () => {
    h = await createHarness({ env: { ...PRODUCTION, METRICS_TOKEN } });
    for (const authorization of [undefined, `Bearer ${METRICS_TOKEN.slice(0, -1)}x`, `Bearer ${METRICS_TOKEN.slice(0, 8)}`, `Bearer ${METRICS_TOKEN}x`, `Basic ${METRICS_TOKEN}`, METRICS_TOKEN]) {
      const res = await metrics(authorization);
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect(res.body).not.toContain('briefwire_');
    }
    const ok = await metrics(`Bearer ${METRICS_TOKEN}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('briefwire_signups_total');
  });

  it('wrong metrics tokens spend the bearer budget: past it, the right token gets 429 too', async () => {
    h = await createHarness({ env: { ...PRODUCTION, METRICS_TOKEN } });
    const ip = '2001:db8:44:1::1';
    for (let i = 0; i < BEARER_BUDGET.maxFailures; i++) expect((await metrics(`Bearer guess-${i}-0123456789`, ip)).statusCode).toBe(401);
    const locked = await metrics(`Bearer ${METRICS_TOKEN}`, '2001:db8:44:1::2');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await metrics(`Bearer ${METRICS_TOKEN}`, '2001:db8:44:2::1')).statusCode).toBe(200);
  });

  it('METRICS_PUBLIC=true serves it without a token, and says so at start', async () => {
    h = await createHarness({ env: { ...PRODUCTION, METRICS_PUBLIC: 'true' } });
    expect((await metrics()).statusCode).toBe(200);
    expect(h.config.warnings.join('\n')).toContain('METRICS_PUBLIC=true');
  });
});
