import { SmtpSession } from './smtpSession.ts';
import type { SmtpTarget } from './smtpTarget.ts';

/**
 * Up to `size` SMTP sessions, opened on demand and reused. A session that
 * fails is dropped, never repaired: the next caller opens a fresh one.
 */
export class SmtpPool {
  private idle: SmtpSession[] = [];
  private open = 0;
  private waiting: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly target: SmtpTarget,
    private readonly size: number,
  ) {}

  async acquire(): Promise<SmtpSession> {
    for (;;) {
      if (this.closed) throw Object.assign(new Error('SMTP pool closed'), { code: 'ECONNECTION' });
      const s = this.idle.pop();
      if (s) {
        if (s.usable) return s;
        continue;
      }
      if (this.open < this.size) {
        this.open++;
        // A session that fails, opening or later, reports itself gone exactly once: forget() frees its slot.
        return SmtpSession.open(this.target, (gone) => this.forget(gone));
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  release(s: SmtpSession) {
    if (!s.usable) return;
    if (this.closed) {
      void s.quit();
      return;
    }
    this.idle.push(s);
    this.wakeOne();
  }

  private forget(s: SmtpSession) {
    this.open--;
    const i = this.idle.indexOf(s);
    if (i >= 0) this.idle.splice(i, 1);
    this.wakeOne();
  }

  private wakeOne() {
    this.waiting.shift()?.();
  }

  async close() {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w();
    await Promise.all(this.idle.splice(0).map((s) => s.quit()));
  }
}
