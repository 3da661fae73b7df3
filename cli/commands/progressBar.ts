import { printable } from './common.ts';

/** The dispatch fields the progress line shows (a subset of GET /api/dispatches/:id). */
export interface DispatchProgress {
  id: string;
  status: string;
  total: number;
  planned: boolean;
  sent: number;
  failed: number;
  suppressed: number;
  uncertain: number;
  progress: number;
  ratePerSecond: number;
  etaSeconds: number | null;
  reason?: string;
  reasonCode?: string;
}

const WIDTH = 30;

/** `[█████████░░░░░]  62%  sent 310 failed 2 suppressed 0 uncertain 0 of 500  41.2/s  ETA 5s  sending` */
export function progressLine(d: DispatchProgress): string {
  const filled = Math.round(Math.min(Math.max(d.progress, 0), 1) * WIDTH);
  const pct = `${Math.round(d.progress * 100)}%`.padStart(4);
  const eta = d.etaSeconds === null ? '' : `  ETA ${d.etaSeconds}s`;
  const total = d.planned ? `${d.total}` : `${d.total}+ (planning)`;
  return `[${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${pct}  sent ${d.sent} failed ${d.failed} suppressed ${d.suppressed} uncertain ${d.uncertain} of ${total}  ${d.ratePerSecond}/s${eta}  ${d.status}${d.reason ? ` (${d.reasonCode ? `${printable(d.reasonCode)}: ` : ''}${printable(d.reason)})` : ''}`;
}

/**
 * Draws progress on a terminal by rewriting one line; anywhere else (a pipe, a
 * log) it prints a new line only when the line changes, so logs stay readable.
 */
export function createProgressWriter(out: NodeJS.WriteStream | NodeJS.WritableStream) {
  const tty = 'isTTY' in out && out.isTTY;
  let last = '';
  return {
    draw(d: DispatchProgress) {
      const line = progressLine(d);
      if (line === last) return;
      last = line;
      out.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    end() {
      if (tty && last) out.write('\n');
    },
  };
}
