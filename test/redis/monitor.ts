import { connect, type Socket } from 'node:net';

/** One line of MONITOR: who ran it ('lua' for a command run by a script) and its arguments. */
export interface MonitorLine {
  source: string;
  args: string[];
}

/** Parses the quoted, escaped arguments of a MONITOR line (Redis writes them with sdscatrepr). */
export function parseMonitorLine(line: string): MonitorLine | null {
  const head = /^\d+\.\d+ \[\d+ ([^\]]+)\] /.exec(line);
  if (!head) return null;
  const args: string[] = [];
  let i = head[0].length;
  while (i < line.length) {
    if (line[i] !== '"') {
      i++;
      continue;
    }
    i++;
    let arg = '';
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\') {
        const next = line[i + 1]!;
        if (next === 'x') {
          arg += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        arg += ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[next] ?? next;
        i += 2;
        continue;
      }
      arg += line[i];
      i++;
    }
    args.push(arg);
    i++;
  }
  return { source: head[1]!, args };
}

/** A MONITOR connection of its own (raw RESP: every line is a simple string), collecting lines in order. */
export async function startMonitor(url: string): Promise<{ lines: MonitorLine[]; stop(): void }> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port || 6379), hostname || '127.0.0.1');
  const lines: MonitorLine[] = [];
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.write('MONITOR\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const reply = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (reply === '+OK') resolve();
        else if (reply.startsWith('+')) {
          const parsed = parseMonitorLine(reply.slice(1));
          if (parsed) lines.push(parsed);
        }
      }
    });
  });
  return { lines, stop: () => socket.destroy() };
}
