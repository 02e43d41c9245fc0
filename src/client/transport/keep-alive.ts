/**
 * The `Keep-Alive` response header (RFC 2068 §19.7.1.1; Node's server sends
 * `Keep-Alive: timeout=N` with its keepAliveTimeout in seconds): how long the
 * server keeps an idle connection open.
 */

/** The idle timeout a `Keep-Alive` header announces ("timeout=N" seconds), in ms; undefined without one. */
export function keepAliveTimeoutMs(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(header);
  return m ? Number(m[1]) * 1000 : undefined;
}
