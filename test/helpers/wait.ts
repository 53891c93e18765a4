/** Polls `check` (every `intervalMs`) until it returns a truthy value; fails with `what` after the timeout. */
export async function eventually<T>(
  what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
