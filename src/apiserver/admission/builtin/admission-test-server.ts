/**
 * For tests: an API server (plain HTTP, SQLite, fake clock) whose admission
 * chain is the built-in plugins chosen by `opts`, bound to it.
 */
import type { Clock } from "../../../client/clock.ts";
import { defaultPipeline } from "../../pipeline.ts";
import type { ApiServer } from "../../server.ts";
import { startTestServer, type TestServer } from "../../testing/test-server.ts";
import { builtinAdmission, type BuiltinAdmissionOptions } from "./builtin-admission.ts";

export async function startAdmissionServer(
  opts: BuiltinAdmissionOptions = {},
): Promise<TestServer> {
  // Timers fire at once: retries (the default service account's) never wait in tests.
  const instant: Clock = {
    now: () => Date.now(),
    after: (_ms, fn) => {
      const t = setImmediate(fn);
      return { cancel: () => clearImmediate(t) };
    },
  };
  const admission = builtinAdmission({ random: () => 0, clock: instant, ...opts });
  const pipeline = defaultPipeline();
  pipeline.admission = admission.chain([]);
  return startTestServer({
    pipeline,
    services: false,
    beforeReady: (server: ApiServer) => admission.bind(server.context),
  } as never);
}

/** A minimal pod with the given containers (name → extra container fields). */
export function makePod(
  name: string,
  containers: Record<string, Record<string, unknown>> = { c: {} },
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      ...spec,
      containers: Object.entries(containers).map(([n, extra]) => ({
        name: n,
        image: "busybox",
        ...extra,
      })),
    },
  };
}
