import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Env } from '../../src/config.ts';

/** Issue 14, findings 6 and 9: production refuses short editor tokens and an unguarded /metrics, naming the variable. */

const production: Env = {
  NODE_ENV: 'production',
  SECRET_KEY: 'prod-secret-key-0123456789abcdef0123456789',
  SMTP_URL: 'smtp://user:pass@smtp.example.org:587',
  PUBLIC_URL: 'https://news.example.org/',
  EDITOR_TOKENS: 'editor-token-one-0123456789abcdef0123',
  METRICS_TOKEN: 'metrics-token-0123456789abcdef0123456789',
};

function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('editor tokens in production', () => {
  it('refuses a token shorter than 32 characters, naming EDITOR_TOKENS and which token, never its value', () => {
    const short = 'only-31-characters-long-0123456';
    expect(short).toHaveLength(31);
    const e = configError({ ...production, EDITOR_TOKENS: `${production.EDITOR_TOKENS}, ${short}` });
    expect(e.message).toContain('EDITOR_TOKENS:');
    expect(e.message).toMatch(/at least 32 characters/);
    expect(e.message).toContain('token 2 of 2');
    expect(e.message).not.toContain(short);
    expect(e.message).not.toContain(production.EDITOR_TOKENS!);
  });

  it('accepts 32 characters, and short tokens outside production (with the dev defaults)', () => {
    expect(loadConfig({ ...production, EDITOR_TOKENS: 'x'.repeat(32) }).editorTokens).toEqual(['x'.repeat(32)]);
    expect(loadConfig({ EDITOR_TOKENS: 'short' }).editorTokens).toEqual(['short']);
  });
});

describe('/metrics in production', () => {
  it('requires METRICS_TOKEN, and says METRICS_PUBLIC=true is the way to go without one', () => {
    for (const value of [undefined, '', '   ']) {
      const e = configError({ ...production, METRICS_TOKEN: value });
      expect(e.message).toContain('METRICS_TOKEN: required when NODE_ENV=production');
      expect(e.message).toContain('METRICS_PUBLIC=true');
    }
  });

  it('METRICS_PUBLIC=true waives it, with a warning at start; outside production neither is needed', () => {
    const open = loadConfig({ ...production, METRICS_TOKEN: undefined, METRICS_PUBLIC: 'true' });
    expect(open.metricsToken).toBeUndefined();
    expect(open.warnings).toEqual(['METRICS_PUBLIC=true: /metrics is served without a token']);
    expect(configError({ ...production, METRICS_TOKEN: undefined, METRICS_PUBLIC: 'false' }).message).toContain('METRICS_TOKEN:');
    expect(loadConfig({}).metricsToken).toBeUndefined();
  });

  it('names every production problem at once', () => {
    const e = configError({ NODE_ENV: 'production', EDITOR_TOKENS: 'short' });
    for (const name of ['SECRET_KEY', 'SMTP_URL', 'PUBLIC_URL', 'METRICS_TOKEN', 'EDITOR_TOKENS']) expect(e.message).toContain(`${name}:`);
  });
});
