import { CliError, type CliConfig } from '../cliConfig.ts';

export interface ApiErrorBody {
  error?: { code?: string; message?: string; fields?: { field: string; message: string }[] };
}

/** A failed API call: the API's stable code and message, plus any field errors. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly fields: { field: string; message: string }[] = [],
  ) {
    super(code, message);
  }
}

/** The editor API over HTTP, with the bearer token; every failure becomes a CliError with a code. */
export function createApiClient(config: CliConfig) {
  return async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, opts: { body?: string; contentType?: string } = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${config.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${config.token}`, ...(opts.contentType ? { 'content-type': opts.contentType } : {}) },
        body: opts.body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      const c = (e as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
      const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (e as Error).message;
      throw new CliError('API_UNREACHABLE', `cannot reach the API at ${config.url} (${cause})`);
    }
    if (res.ok) return res;
    const text = await res.text();
    let body: ApiErrorBody = {};
    try {
      body = JSON.parse(text) as ApiErrorBody;
    } catch {
      // Not our API answering (a proxy page?): report the status alone.
    }
    throw new ApiError(res.status, body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? `the API answered ${res.status}`, body.error?.fields);
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
