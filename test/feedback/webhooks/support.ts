import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import webhookRoutes, { type WebhookRoutesOptions } from '../../../src/feedback/webhooks/routes.ts';
import type { WebhookEvent } from '../../../src/feedback/webhooks/event.ts';
import type { ReplayGuard } from '../../../src/feedback/webhooks/replayGuard.ts';
import { stringToSign, type SnsMessage } from '../../../src/feedback/webhooks/sns.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/webhooks/', import.meta.url));

/** A documented payload from test/fixtures/webhooks (see its README for where each came from). */
export function fixture(name: string): Record<string, unknown>;
export function fixture<T>(name: string): T;
export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** The replay guard's contract over a Map, with expiry: what the Redis one does with SET NX EX / DEL. */
export function memoryReplayGuard(now: () => number = Date.now): ReplayGuard & { size(): number } {
  const seen = new Map<string, number>();
  return {
    async firstTime(id, ttlSec) {
      const until = seen.get(id);
      if (until !== undefined && until > now()) return false;
      seen.set(id, now() + ttlSec * 1000);
      return true;
    },
    async forget(id) {
      seen.delete(id);
    },
    size: () => seen.size,
  };
}

export interface TestApp {
  app: FastifyInstance;
  /** Every batch the intake received, in order. */
  batches: WebhookEvent[][];
  guard: ReturnType<typeof memoryReplayGuard>;
}

/** A bare Fastify with the plugin; the intake records what it gets and fails while `failIntake.next` is set. */
export async function buildApp(options: Partial<WebhookRoutesOptions>, failIntake: { next?: boolean } = {}): Promise<TestApp> {
  const batches: WebhookEvent[][] = [];
  const guard = memoryReplayGuard();
  const app = Fastify({ logger: false });
  await app.register(webhookRoutes, {
    replayGuard: guard,
    intake: async (events) => {
      if (failIntake.next) {
        failIntake.next = false;
        throw new Error('intake down');
      }
      batches.push(events);
    },
    fetchCertificate: async () => {
      throw new Error('no certificate in this test');
    },
    fetchUrl: async () => {
      throw new Error('no URL fetch in this test');
    },
    ...options,
  });
  await app.ready();
  return { app, batches, guard };
}

export interface SnsSigner {
  /** The self-signed certificate, as SNS would serve it at the SigningCertURL. */
  pem: string;
  sign(message: Record<string, unknown>, version?: '1' | '2'): Record<string, unknown>;
}

/** An RSA key and a self-signed X.509 certificate made by openssl in a temp dir. */
export function snsSigner(): SnsSigner {
  const dir = mkdtempSync(join(tmpdir(), 'bw-sns-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=sns.amazonaws.com'], { stdio: 'ignore' });
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    return {
      pem,
      sign(message, version = '1') {
        const m = { ...message, SignatureVersion: version };
        const data = Buffer.from(stringToSign(m as unknown as SnsMessage), 'utf8');
        return { ...m, Signature: sign(version === '1' ? 'sha1' : 'sha256', data, key).toString('base64') };
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const snsHeaders = (type: string) => ({ 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': type });
