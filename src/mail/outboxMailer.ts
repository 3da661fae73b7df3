import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Mailer } from './mailer.ts';

/** Development mail: each message becomes an .eml file you can open in any mail client. */
export function createOutboxMailer(dir: string, onWrite?: (path: string) => void): Mailer {
  const folder = resolve(dir);
  let ready: Promise<unknown> | undefined;
  return {
    kind: 'outbox',
    async send({ to, raw }) {
      ready ??= mkdir(folder, { recursive: true });
      await ready;
      const safe = to.replace(/[^A-Za-z0-9@._-]/g, '_');
      const path = join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}-${safe}.eml`);
      // Write then rename: whoever watches the folder never opens a half-written .eml.
      await writeFile(`${path}.part`, raw);
      await rename(`${path}.part`, path);
      onWrite?.(path);
      return { response: `250 written to ${path}` };
    },
    health: () => ({ kind: 'outbox' }),
    async close() {},
  };
}
