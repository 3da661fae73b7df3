const USAGE = `briefwire: newsletter alert dispatcher

Usage:
  briefwire start                          API and all workers in one process
  briefwire api                            the HTTP API only
  briefwire worker                         the queue workers only
  briefwire brief add FILE.md [--dispatch] add a Markdown brief (and send it)
  briefwire brief edit ID FILE.md          replace a brief not yet sent with FILE.md
  briefwire brief rm ID                    delete a brief never sent
  briefwire brief archive ID               hide a brief from the list (web version stays)
  briefwire dispatch list                  the latest dispatches with their counts
  briefwire dispatch status ID             live progress of a dispatch
  briefwire dispatch pause|resume|cancel ID  change a dispatch's state
  briefwire dispatch retry-failed ID       resend to the failed recipients of a finished dispatch
  briefwire dispatch restore-bounced ID    put back the readers a dispatch marked bounced
  briefwire status                         live workers and their SMTP relay health
  briefwire digest run|list                send due daily digests now; list the digest sends
  briefwire subscribers import FILE.csv    import subscribers (--active: already confirmed)
  briefwire subscribers export [FILE]      export subscribers as CSV
  briefwire COMMAND --help                 help on one command

start, api and worker take their configuration from the environment (see .env.example).
brief, dispatch, digest, subscribers and status talk to a running API: --url or BRIEFWIRE_URL,
--token or BRIEFWIRE_TOKEN (an editor token).`;

const PROCESS_HELP: Record<'start' | 'api' | 'worker', string> = {
  start: 'briefwire start\n\nRuns the HTTP API and every queue worker in this process. Configuration comes from the environment (see .env.example).',
  api: 'briefwire api\n\nRuns the HTTP API only (add workers with `briefwire worker`, on any machine). Configuration comes from the environment.',
  worker: 'briefwire worker\n\nRuns the queue workers only; run as many as you like against one Redis. Configuration comes from the environment.',
};

const [command, ...rest] = process.argv.slice(2);
const wantsHelp = rest.includes('--help') || rest.includes('-h');

// Each command loads only its own module: `briefwire worker` holds none of the API client's code.
async function api(load: () => Promise<(argv: string[]) => Promise<number>>): Promise<void> {
  const [run, { CliError }] = await Promise.all([load(), import('./cliConfig.ts')]);
  try {
    process.exitCode = await run(rest);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    console.error(`error ${e.code}: ${e.message}`);
    process.exitCode = e.exitCode;
  }
}

switch (command) {
  case 'start':
  case 'api':
  case 'worker':
    if (wantsHelp) console.log(PROCESS_HELP[command]);
    // Loaded only here: the API client commands start fast without the server's dependencies.
    else await (await import('./run.ts')).runProcess(command);
    break;
  case 'brief':
    await api(async () => (await import('./commands/brief.ts')).briefCommand);
    break;
  case 'dispatch':
    await api(async () => (await import('./commands/dispatch.ts')).dispatchCommand);
    break;
  case 'subscribers':
    await api(async () => (await import('./commands/subscribers.ts')).subscribersCommand);
    break;
  case 'status':
    await api(async () => (await import('./commands/status.ts')).statusCommand);
    break;
  case 'digest':
    await api(async () => (await import('./commands/digest.ts')).digestCommand);
    break;
  case undefined:
  case '--help':
  case '-h':
  case 'help':
    console.log(USAGE);
    break;
  default:
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    process.exit(2);
}
