import { PooledConnection } from './smtpConnection.ts';
import type { SmtpTarget } from './smtpTarget.ts';

/**
 * Up to `size` SMTP connections, opened on demand and reused. A connection
 * that fails is dropped, never repaired: the next caller opens a fresh one.
 */
export class SmtpPool {
  private idle: PooledConnection[] = [];
  private all = new Set<PooledConnection>();
  private opening = 0;
  private waiting: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly target: SmtpTarget,
    private readonly size: number,
  ) {}

  async acquire(): Promise<PooledConnection> {
    for (;;) {
      if (this.closed) throw Object.assign(new Error('SMTP pool closed'), { code: 'ECONNECTION', phase: 'connect' as const, dataHandedOver: false });
      const c = this.idle.pop();
      if (c) {
        if (c.usable) return c;
        continue;
      }
      if (this.all.size + this.opening < this.size) {
        this.opening++;
        try {
          // A connection that fails, opening or later, reports itself gone once: forget() frees its slot.
          const opened = await PooledConnection.open(this.target, (gone) => this.forget(gone));
          this.all.add(opened);
          if (this.closed) opened.destroy();
          return opened;
        } finally {
          this.opening--;
          this.wakeOne();
        }
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  release(c: PooledConnection) {
    if (!c.usable) return;
    if (this.closed) return c.quit();
    this.idle.push(c);
    this.wakeOne();
  }

  private forget(c: PooledConnection) {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    this.wakeOne();
  }

  private wakeOne() {
    this.waiting.shift()?.();
  }

  /** Idle connections say QUIT; busy ones are cut, so their sends fail now (uncertain if the message was all out). */
  async close() {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w();
    const idle = new Set(this.idle.splice(0));
    for (const c of [...this.all]) {
      if (idle.has(c)) c.quit();
      else c.destroy();
    }
  }
}
