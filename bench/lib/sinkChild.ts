import { SMTPServer } from 'smtp-server';

/**
 * An SMTP sink in its own process (smtp-server): accepts everything, keeps
 * nothing, counts messages, and reports the arrival time of each recipient
 * whose address starts with the watch prefix (argv[3]) to the parent over IPC.
 * Used where Postfix's smtp-sink is absent, and for the lane-isolation case,
 * which needs per-recipient arrival times.
 */
const port = Number(process.argv[2]);
const watch = process.argv[3] ?? '';
let count = 0;

const server = new SMTPServer({
  secure: false,
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 50 * 1024 * 1024,
  maxClients: 1000,
  onData(stream, session, cb) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      const at = Date.now();
      count++;
      if (watch) {
        for (const r of session.envelope.rcptTo) {
          if (r.address.startsWith(watch)) process.send?.({ type: 'arrival', to: r.address, at });
        }
      }
      cb();
    });
  },
});

process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', n: count });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
server.listen(port, '127.0.0.1', () => process.send?.({ type: 'ready' }));
