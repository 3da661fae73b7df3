import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const v8Flags = (argv: string[]) => argv.filter((a) => a.startsWith('--'));

/**
 * A production worker's V8 heap limits are part of its memory budget (bench/ case 2 measures the
 * worker with the compose file's flags): every way production starts one must pass the same.
 */
describe('production V8 flags', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { command?: string[] }> };
  const worker = v8Flags(compose.services.worker!.command!);

  it('the compose worker caps the young and the old generation', () => {
    expect(worker).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-semi-space-size=\d+$/), expect.stringMatching(/^--max-old-space-size=\d+$/)]));
  });

  it("the image's default command and npm run start:prod pass the same flags", () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]!) as string[];
    expect(v8Flags(cmd)).toEqual(worker);
    const startProd = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start:prod']!;
    expect(v8Flags(startProd.split(/\s+/))).toEqual(worker);
  });
});
