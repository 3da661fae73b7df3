/**
 * A module loaded at its first use instead of with its importer, so that a
 * process that never needs it never holds it (issue 15's worker memory). It
 * loads once; a failed load is not kept, so the next use tries again, and is
 * thrown as `failure(err)`, which says what the module was for.
 */
export function lazyModule<T>(load: () => Promise<T>, failure: (err: Error) => Error): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((e: unknown) => {
      loading = undefined;
      throw failure(e instanceof Error ? e : new Error(String(e)));
    }));
}
