import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import semver from 'semver';

/** Issue 15, item 8: every dependency admits Node 20, and the README's table lists each at its installed version. */
const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const readme = readFileSync(new URL('README.md', root), 'utf8');
const installed = (name: string) => JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), 'utf8')) as { version: string; engines?: { node?: string } };
const all = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)];

describe('dependencies', () => {
  it('each declares engines that admit the Node 20 this runs on (or declares none)', () => {
    expect(semver.major(process.version)).toBeGreaterThanOrEqual(20);
    const refused = all.filter((name) => {
      const range = installed(name).engines?.node;
      return range !== undefined && !semver.satisfies(process.version, range);
    });
    expect(refused).toEqual([]);
  });

  it('the README table lists every one at its installed version (rewrite it from package.json when they change)', () => {
    for (const name of all) expect(readme, name).toContain(`| \`${name}\` | ${installed(name).version} |`);
  });
});
