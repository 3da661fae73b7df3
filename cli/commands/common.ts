import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, loadCliConfig } from '../cliConfig.ts';
import { createApiClient, type ApiClient } from './apiClient.ts';

/** Flags every API command takes. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const CONNECTION_HELP = `Connection:
  --url URL        the briefwire API (default: BRIEFWIRE_URL, else http://127.0.0.1:3000)
  --token TOKEN    an editor token (default: BRIEFWIRE_TOKEN)
  -h, --help       this text`;

/** Parses a subcommand's argv; unknown flags are a usage error (exit 2) naming the flag. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError('CLI_USAGE', (e as Error).message, 2);
  }
}

export function connect(values: { url?: string; token?: string }): ApiClient {
  return createApiClient(loadCliConfig(values));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Text from the server (an SMTP reply, a reason) made safe for a terminal:
 * control characters (escape sequences, carriage returns) become `?`.
 */
export const printable = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
