/** The one function of mailauth (4.x) the DKIM test uses; the package ships no types. */
declare module 'mailauth/lib/dkim/verify.js' {
  export function dkimVerify(
    message: Buffer | string,
    opts: { resolver: (name: string, rr: string) => Promise<unknown> },
  ): Promise<{ results: { status: { result: string } }[] }>;
}
