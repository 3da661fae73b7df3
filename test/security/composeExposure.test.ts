import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.ts';

/**
 * Issue 14, finding 8 (found by reading): `docker compose up` ran the API in
 * development mode (dev key, dev editor token) published on every interface.
 * No Docker engine runs here, so this reads docker-compose.yml the way compose
 * would: YAML merge keys resolved, and `${VAR:?msg}` / `${VAR:-default}`
 * interpolated from a would-be .env file.
 */

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

interface Service {
  environment?: Record<string, string>;
  ports?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const APP_SERVICES = ['api', 'worker'];
const SECRETS = ['SECRET_KEY', 'EDITOR_TOKENS', 'METRICS_TOKEN', 'PUBLIC_URL'];

/** Compose's interpolation, for the forms the file uses: throws compose's complaint for a required variable. */
function interpolate(value: string, dotEnv: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:\?|:-)([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const v = dotEnv[name];
    if (op === ':?' && !v) throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return v || (op === ':-' ? arg : '');
  });
}

const environmentOf = (service: string, dotEnv: Record<string, string>) =>
  Object.fromEntries(Object.entries(compose.services[service]!.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), dotEnv)]));

const GOOD_ENV: Record<string, string> = {
  SECRET_KEY: 'a'.repeat(64),
  EDITOR_TOKENS: 'b'.repeat(64),
  METRICS_TOKEN: 'c'.repeat(64),
  PUBLIC_URL: 'https://news.example.org',
};

describe('docker-compose.yml', () => {
  it('runs the API and the worker with NODE_ENV=production, not overridable from .env', () => {
    for (const s of APP_SERVICES) {
      expect(compose.services[s]!.environment?.NODE_ENV, s).toBe('production');
      expect(environmentOf(s, { ...GOOD_ENV, NODE_ENV: 'development' }).NODE_ENV, s).toBe('production');
    }
  });

  it('takes every secret from .env with `:?`, so a missing one stops compose and is named', () => {
    for (const s of APP_SERVICES) {
      for (const name of SECRETS) {
        expect(compose.services[s]!.environment?.[name], `${s} ${name}`).toMatch(new RegExp(`^\\$\\{${name}:\\?[^}]*${name}[^}]*\\}$`));
        const { [name]: _, ...without } = GOOD_ENV;
        expect(() => environmentOf(s, without), `${s} without ${name}`).toThrow(`required variable ${name} is missing a value`);
        expect(() => environmentOf(s, { ...GOOD_ENV, [name]: '' }), `${s} with an empty ${name}`).toThrow(name);
      }
    }
  });

  it('with the .env the README describes, the app accepts the configuration (production checks included)', () => {
    for (const s of APP_SERVICES) {
      const config = loadConfig(environmentOf(s, GOOD_ENV));
      expect(config.production, s).toBe(true);
      expect(config.metricsToken, s).toBe(GOOD_ENV.METRICS_TOKEN);
      expect(config.warnings, s).toEqual([]);
    }
  });

  it('publishes only the API and Mailpit web UI, and only on 127.0.0.1', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, String(p)] as const));
    for (const [name, port] of published) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    expect(published.map(([name, p]) => `${name} ${p.split(':').at(-1)}`).sort()).toEqual(['api 3000', 'mailpit 8025']);
  });
});

describe('Dockerfile', () => {
  it('the runtime image defaults to NODE_ENV=production', () => {
    const runtime = read('Dockerfile').split(/^FROM /m).at(-1)!;
    expect(runtime).toMatch(/ENV NODE_ENV=production/);
  });
});
