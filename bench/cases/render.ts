import { compileBrief } from '../../src/briefs/compile.ts';
import { renderBulkMessage } from '../../src/dispatch/bulkMessage.ts';
import { COMPILE_OPTS, recipientFields, seedMessage } from '../lib/brief.ts';
import { benchAddress } from '../lib/seed.ts';
import { median } from '../lib/stats.ts';

/**
 * Case 5: the two halves of the performance principle. MJML compile of the
 * seed brief (template + MJML + plain text, once per brief) in ms, and the
 * per-recipient splice into the pre-encoded MIME message in µs.
 */
export async function runRenderCase(o: { compiles: number; splices: number; reps: number }) {
  const m = await seedMessage();
  const fields = Array.from({ length: 1000 }, (_, i) => recipientFields(benchAddress(i + 1), i));
  // Warm-up.
  for (let i = 0; i < 3; i++) await compileBrief(m.brief, COMPILE_OPTS);
  for (let i = 0; i < 2000; i++) renderBulkMessage(m.template, fields[i % 1000]!);

  const compileMs: number[] = [];
  const spliceUs: number[] = [];
  for (let rep = 0; rep < o.reps; rep++) {
    let t = performance.now();
    for (let i = 0; i < o.compiles; i++) await compileBrief(m.brief, COMPILE_OPTS);
    compileMs.push((performance.now() - t) / o.compiles);
    t = performance.now();
    let bytes = 0;
    for (let i = 0; i < o.splices; i++) bytes += renderBulkMessage(m.template, fields[i % 1000]!).length;
    spliceUs.push(((performance.now() - t) * 1000) / o.splices);
    if (!bytes) throw new Error('splice produced nothing');
  }
  return { compileMs: median(compileMs), spliceUs: median(spliceUs), messageBytes: m.size, htmlBytes: m.compiled.htmlBytes, compileRuns: compileMs, spliceRuns: spliceUs };
}
