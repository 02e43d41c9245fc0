/**
 * For controller unit tests: `until` polls a condition (an informer's cache,
 * or a request) every 10 ms for up to 30 s.
 */

export async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  for (let i = 0; i < 3000; i++) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} never happened`);
}
