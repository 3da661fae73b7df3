import { runProcess } from './run.ts';

const USAGE = `briefwire: newsletter alert dispatcher

Usage:
  briefwire start      API and all workers in one process
  briefwire api        the HTTP API only
  briefwire worker     the queue workers only
  briefwire --help     this text

Configuration comes from the environment (see .env.example).`;

const [command] = process.argv.slice(2);
switch (command) {
  case 'start':
  case 'api':
  case 'worker':
    await runProcess(command);
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
