import { Worker } from 'node:worker_threads';
import type { PrebuiltMessage } from '../dispatch/bulkMessage.ts';
import type { DigestMessageInput } from './message.ts';

// As src/dispatch/messageThread.ts: a thread starts without the parent's TypeScript loader, so run
// from the sources it registers tsx itself; the compiled build needs none.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(workerData.tsx ? import(workerData.tsx).then((tsx) => tsx.register()) : Promise.resolve())
  .then(() => import(workerData.entry))
  .then((m) => m.buildDigestMessages(workerData.inputs))
  .then(
    (messages) => parentPort.postMessage({ messages }),
    (e) => parentPort.postMessage({ error: { name: e && e.name, message: String((e && e.message) || e), code: e && e.code } }),
  );
`;

type ThreadReply = { messages: PrebuiltMessage[] } | { error: { name?: string; message: string; code?: string } };

let previous: Promise<unknown> = Promise.resolve();

/**
 * Renders a digest run's new sets of briefs (MJML) in a worker thread that
 * ends once it answers, one build at a time per process: MJML's ~60 MB goes
 * with the thread instead of staying in the worker that then sends them.
 */
export function buildDigestMessagesInThread(inputs: DigestMessageInput[]): Promise<PrebuiltMessage[]> {
  const build = previous.then(() => runThread(inputs));
  previous = build.catch(() => undefined);
  return build;
}

function runThread(inputs: DigestMessageInput[]): Promise<PrebuiltMessage[]> {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './message.ts' : './message.js', import.meta.url).href;
  const workerData = { tsx: fromSources ? import.meta.resolve('tsx/esm/api') : null, entry, inputs };
  const thread = new Worker(THREAD_SOURCE, { eval: true, workerData, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  return new Promise<PrebuiltMessage[]>((resolve, reject) => {
    thread.once('message', (reply: ThreadReply) => {
      if ('messages' in reply) resolve(reply.messages);
      else reject(Object.assign(new Error(reply.error.message), { name: reply.error.name ?? 'Error', code: reply.error.code }));
    });
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the digest build thread exited (${code}) without answering`)));
  }).finally(() => void thread.terminate());
}
