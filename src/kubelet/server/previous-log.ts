/**
 * The log file of a container's previous instance when the runtime no
 * longer lists it: the kubelet names log files `<container>/<attempt>.log`,
 * so the previous instance wrote `<attempt-1>.log` beside the current one.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The previous attempt's log path, undefined when there is none on disk. */
export function previousLogPath(currentLogPath: string, attempt: number): string | undefined {
  for (let a = attempt - 1; a >= 0; a--) {
    const p = join(dirname(currentLogPath), `${a}.log`);
    if (existsSync(p)) return p;
  }
  return undefined;
}
