import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

/** EDITOR_TOKENS entries may carry a label (`label=token`): the label names the editor in a brief's history. */

describe('EDITOR_TOKENS labels', () => {
  it('splits label=token, numbers unlabelled tokens by position, and leaves base64 padding alone', () => {
    const c = loadConfig({ EDITOR_TOKENS: 'maria=token-aaaaaaaaaaaaaaaa,token-bbbbbbbbbbbbbbbb,QUJDREVGR0hJSktMTU5PUA==,x.y@desk=abc=def' });
    expect(c.editorTokens).toEqual(['token-aaaaaaaaaaaaaaaa', 'token-bbbbbbbbbbbbbbbb', 'QUJDREVGR0hJSktMTU5PUA==', 'abc=def']);
    expect(c.editorLabels).toEqual(['maria', 'editor 2', 'editor 3', 'x.y@desk']);
    expect(loadConfig({}).editorLabels).toEqual(['dev editor']);
  });

  it('in production the length rule applies to the token, not to label=token', () => {
    const production = { NODE_ENV: 'production', SECRET_KEY: 's'.repeat(40), SMTP_URL: 'smtp://relay.example.org', PUBLIC_URL: 'https://news.example.org', METRICS_TOKEN: 'm'.repeat(32) };
    expect(() => loadConfig({ ...production, EDITOR_TOKENS: `a-long-label-for-the-desk=${'t'.repeat(10)}` })).toThrow(/EDITOR_TOKENS: each token must be at least 32 characters/);
    expect(loadConfig({ ...production, EDITOR_TOKENS: `desk=${'t'.repeat(32)}` }).editorLabels).toEqual(['desk']);
  });
});
