import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Env } from '../../src/config.ts';

/** The config module: dev defaults, a named error per bad variable, production's requirements, frozen. */

function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const production: Env = {
  NODE_ENV: 'production',
  SECRET_KEY: 'prod-secret-key-0123456789abcdef0123456789',
  SMTP_URL: 'smtp://user:pass@smtp.example.org:587',
  PUBLIC_URL: 'https://news.example.org/',
  EDITOR_TOKENS: 'tok-one-0123456789abcdef0123456789, tok-two-0123456789abcdef0123456789',
  METRICS_TOKEN: 'metrics-token-0123456789abcdef0123456789',
};

describe('defaults', () => {
  it('an empty environment gives a working development config', () => {
    const c = loadConfig({});
    expect(c.env).toBe('development');
    expect(c.production).toBe(false);
    expect(c.http).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: 'http://localhost:3000', trustProxyHops: 0, bodyLimit: 1_048_576 });
    expect(c.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', prefix: '{bw}', clusterNodes: [] });
    expect(c.mail.smtpUrl).toBeUndefined();
    expect(c.mail.outboxDir).toBe('outbox');
    expect(c.mail.listName).toBe('Fast Thinking');
    expect(c.mail.dkim).toBeUndefined();
    expect(c.editorTokens).toEqual(['dev-editor-token']);
    expect(c.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(c.topics.length).toBeGreaterThan(0);
    expect(c.signup).toEqual({ limitPerIpPerHour: 20, limitGlobalPerMinute: 600, confirmResendWindowSec: 600, confirmTokenTtlSec: 7 * 24 * 3600 });
    expect(c.dispatch.sendRate).toBe(0);
    expect(c.feed.urls).toEqual([]);
    // The dev defaults are said out loud at start.
    expect(c.warnings.join('\n')).toMatch(/SECRET_KEY/);
    expect(c.warnings.join('\n')).toMatch(/EDITOR_TOKENS/);
    expect(c.warnings.join('\n')).toMatch(/SMTP_URL/);
  });

  it('an empty variable means its default, not zero', () => {
    const c = loadConfig({ PORT: '', SIGNUP_LIMIT_PER_IP: '', SMTP_URL: '', SECRET_KEY: '  ', TOPICS: '' });
    expect(c.http.port).toBe(3000);
    expect(c.signup.limitPerIpPerHour).toBe(20);
    expect(c.mail.smtpUrl).toBeUndefined();
    expect(c.warnings.join('\n')).toMatch(/SECRET_KEY/);
  });

  it('parses lists, numbers and trims a trailing slash off PUBLIC_URL', () => {
    const c = loadConfig({ TOPICS: ' Russia , Ukraine,,', EDITOR_TOKENS: 'a-token-0123456789,b-token-0123456789', PUBLIC_URL: 'https://x.example.org///', PORT: '8080', SEND_RATE: '50' });
    expect(c.topics).toEqual(['Russia', 'Ukraine']);
    expect(c.editorTokens).toEqual(['a-token-0123456789', 'b-token-0123456789']);
    expect(c.http.publicUrl).toBe('https://x.example.org');
    expect(c.http.port).toBe(8080);
    expect(c.dispatch.sendRate).toBe(50);
    expect(c.warnings.join('\n')).not.toMatch(/EDITOR_TOKENS/);
  });
});

describe('bad variables are named', () => {
  const cases: [string, string][] = [
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['PUBLIC_URL', 'news.example.org'],
    ['PUBLIC_URL', 'ftp://news.example.org'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_PREFIX', 'bw'],
    ['SMTP_URL', 'http://mail.example.org'],
    ['SMTP_POOL_SIZE', '0'],
    ['SMTP_SOCKET_TIMEOUT_MS', '10'],
    ['SMTP_CONNECTION_TIMEOUT_MS', 'soon'],
    ['THROTTLE_MAX_MS', '0'],
    ['BOUNCE_PAUSE_RATE', '0'],
    ['BOUNCE_PAUSE_RATE', '1.5'],
    ['SECRET_KEY', 'short'],
    ['SIGNUP_LIMIT_PER_IP', '0'],
    ['SIGNUP_LIMIT_PER_IP', '-5'],
    ['SIGNUP_LIMIT_GLOBAL', 'many'],
    ['CONFIRM_RESEND_WINDOW', '0'],
    ['CONFIRM_TOKEN_TTL', '5'],
    ['TRUST_PROXY_HOPS', '-1'],
    ['TRUST_PROXY_HOPS', '11'],
    ['BODY_LIMIT_BYTES', '10'],
    ['SEND_RATE', '-1'],
    ['DISPATCH_BATCH_SIZE', '0'],
    ['DELIVER_CONCURRENCY', '1000'],
    ['DELIVER_ATTEMPTS', '0'],
    ['RETRY_BASE_MS', '1'],
    ['SHUTDOWN_GRACE_MS', '5'],
    ['FEED_POLL_INTERVAL', '1'],
    ['TOPICS', 'Russia,Ukraine|Crimea'],
  ];
  for (const [name, value] of cases) {
    it(`${name}=${JSON.stringify(value)}`, () => {
      const e = configError({ [name]: value });
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toContain(`${name}:`);
    });
  }

  it('names every bad variable at once', () => {
    const e = configError({ PORT: 'x', REDIS_URL: 'nope', SECRET_KEY: 'short' });
    for (const name of ['PORT', 'REDIS_URL', 'SECRET_KEY']) expect(e.message).toContain(`${name}:`);
    expect(e.message).not.toContain('SMTP_URL');
  });

  it('never echoes a secret value in the error', () => {
    const e = configError({ SECRET_KEY: 'hunter2-too-short' });
    expect(e.message).not.toContain('hunter2');
  });
});

describe('production', () => {
  it('accepts a complete production environment', () => {
    const c = loadConfig(production);
    expect(c.production).toBe(true);
    expect(c.http.publicUrl).toBe('https://news.example.org');
    expect(c.editorTokens).toHaveLength(2);
    expect(c.warnings).toEqual([]);
  });

  for (const name of ['SECRET_KEY', 'SMTP_URL', 'PUBLIC_URL', 'EDITOR_TOKENS']) {
    it(`requires ${name}`, () => {
      const missing = configError({ ...production, [name]: undefined });
      expect(missing.message).toContain(`${name}:`);
      expect(missing.message).toMatch(/required/);
      const blank = configError({ ...production, [name]: '   ' });
      expect(blank.message).toContain(`${name}:`);
    });
  }

  it('names every missing variable at once', () => {
    const e = configError({ NODE_ENV: 'production' });
    for (const name of ['SECRET_KEY', 'SMTP_URL', 'PUBLIC_URL', 'EDITOR_TOKENS']) expect(e.message).toContain(`${name}:`);
  });

  it('requires an https PUBLIC_URL', () => {
    const e = configError({ ...production, PUBLIC_URL: 'http://news.example.org' });
    expect(e.message).toContain('PUBLIC_URL:');
    expect(e.message).toMatch(/https/);
  });
});

describe('frozen', () => {
  it('the config and everything in it is read-only', () => {
    const c = loadConfig({ DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: 'key' });
    expect(Object.isFrozen(c)).toBe(true);
    for (const part of [c.http, c.redis, c.mail, c.mail.dkim, c.signup, c.dispatch, c.feed, c.topics, c.editorTokens, c.warnings]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    const writable = c as unknown as { http: { port: number }; topics: string[] };
    expect(() => {
      writable.http.port = 1;
    }).toThrow(TypeError);
    expect(() => writable.topics.push('Cooking')).toThrow(TypeError);
    expect(c.http.port).toBe(3000);
  });
});
