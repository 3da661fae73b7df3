import type { Config } from '../config.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { BriefStore } from '../briefs/store.ts';
import { compileStored, findCompiled } from '../briefs/forSending.ts';
import type { CompiledBriefStore } from '../briefs/compiledStore.ts';
import { sendTransactional, type TransactionalMailDeps } from '../mail/transactional.ts';
import { testSendDoneSet, type MailLane } from '../queue/mailLane.ts';
import { buildBulkMessage, renderBulkMessage } from './bulkMessage.ts';

export interface TestCopyDeps extends TransactionalMailDeps {
  config: Config;
  redis: RedisClient;
  keys: Keyspace;
  briefs: BriefStore;
  compiledBriefs: CompiledBriefStore;
  mailLane: MailLane;
  templatesDir: string;
}

/** Marks a test copy's subject, so nobody takes it for the real send. */
export const TEST_SUBJECT_PREFIX = '[TEST] ';

/** The links a test copy carries in place of a reader's own: they lead to a page, not to anyone's subscription. */
export function testCopyLinks(publicUrl: string) {
  return { unsubscribeUrl: `${publicUrl}/unsubscribe/test-copy`, preferencesUrl: `${publicUrl}/preferences/test-copy` };
}

/**
 * An editor's test copies of a brief: built as the readers' message is (same
 * builder, same splice), subject marked, sent on the transactional lane. A
 * retry skips the addresses already done.
 */
export async function sendTestCopies(deps: TestCopyDeps, requestId: string): Promise<string> {
  const request = await deps.mailLane.takeTestSend(requestId);
  if (!request) return 'expired';
  const stored = await deps.briefs.get(request.briefId);
  if (!stored) return 'brief-gone';
  // The API compiled the brief when it was saved: a worker loads MJML only when nobody did.
  const compiled =
    (await findCompiled(deps.config, stored, deps.templatesDir, deps.compiledBriefs)) ??
    (await compileStored(deps.config, stored, deps.templatesDir, deps.compiledBriefs));
  const message = buildBulkMessage(compiled, {
    from: deps.config.mail.from,
    listId: deps.config.mail.listId,
    date: new Date(),
    subjectPrefix: TEST_SUBJECT_PREFIX,
  });
  const links = testCopyLinks(deps.config.http.publicUrl);
  const done = testSendDoneSet(deps.redis, deps.keys, requestId);
  for (const [i, to] of request.to.entries()) {
    if (await done.has(to)) continue;
    const raw = renderBulkMessage(message, { to, messageId: `test.${requestId}.${i}@${message.domain}`, ...links });
    await sendTransactional(deps, { from: message.from, to, raw });
    await done.add(to);
  }
  return 'sent';
}
