import { Worker } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { StoredBrief } from '../briefs/store.ts';
import { compileStored } from '../briefs/forSending.ts';
import { buildBulkMessage, type PrebuiltMessage } from './bulkMessage.ts';

export interface MessageBuildInput {
  config: Config;
  stored: StoredBrief;
  templatesDir: string;
  /** The message's Date header. */
  date: Date;
}

/** Compiles the brief (MJML) and MIME-encodes it: what the thread runs. */
export async function buildDispatchMessage({ config, stored, templatesDir, date }: MessageBuildInput): Promise<PrebuiltMessage> {
  const compiled = await compileStored(config, stored, templatesDir);
  return buildBulkMessage(compiled, { from: config.mail.from, listId: config.mail.listId, date });
}

// A thread starts without the parent's TypeScript loader (nor takes `--import` in execArgv): run
// from the TypeScript sources, it registers tsx itself; the compiled build (dist/) needs none.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(workerData.tsx ? import(workerData.tsx).then((tsx) => tsx.register()) : Promise.resolve())
  .then(() => import(workerData.entry))
  .then((m) => m.buildDispatchMessage(workerData.input))
  .then(
    (message) => parentPort.postMessage({ message }),
    (e) => parentPort.postMessage({ error: { name: e && e.name, message: String((e && e.message) || e), code: e && e.code } }),
  );
`;

type ThreadReply = { message: PrebuiltMessage } | { error: { name?: string; message: string; code?: string } };

/** One build at a time per process: each thread costs about 100 MB while it runs. */
let previous: Promise<unknown> = Promise.resolve();
let threads = 0;

/** How many message builds this process has run in a thread (the planner's fallback when no compiled brief is shared). */
export function messageThreadCount(): number {
  return threads;
}

/**
 * Runs buildDispatchMessage in a worker thread that ends once it answers.
 * MJML would stay in a worker process once loaded (about 60 MB); in a thread
 * it goes with the thread's heap, so the process that then sends to a million
 * readers keeps its memory budget (worker peak RSS <= 256 MB at 1,000,000 subscribers).
 */
export function buildDispatchMessageInThread(input: MessageBuildInput): Promise<PrebuiltMessage> {
  const build = previous.then(() => runThread(input));
  previous = build.catch(() => undefined);
  return build;
}

function runThread(input: MessageBuildInput): Promise<PrebuiltMessage> {
  threads++;
  const workerData = { tsx: import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null, entry: import.meta.url, input };
  // A small young generation: the compile's garbage is collected sooner, for a lower peak (~20 MB).
  const thread = new Worker(THREAD_SOURCE, { eval: true, workerData, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  return new Promise<PrebuiltMessage>((resolve, reject) => {
    thread.once('message', (reply: ThreadReply) => {
      if ('message' in reply) resolve(reply.message);
      else reject(Object.assign(new Error(reply.error.message), { name: reply.error.name ?? 'Error', code: reply.error.code }));
    });
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the message build thread exited (${code}) without answering`)));
  }).finally(() => void thread.terminate());
}
