/**
 * For controller unit tests: `until` polls a condition (an informer's cache,
 * or a request) every 10 ms for up to 30 s; `controllerTestEnv` is the
 * in-process API server, client and informer factory most tests start from.
 */
import type { Clock } from "../client/clock.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { InformerFactory } from "../client/informer/informer-factory.ts";
import { RestClient } from "../client/rest-client.ts";
import type { ClientConfig } from "../client/kubeconfig.ts";
import { startTestServer, type TestServer } from "../apiserver/testing/test-server.ts";

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

/** What a controller test builds its controller from. */
export interface ControllerTestEnv {
  /** A real API server on a free port, with a fake clock (api.clock). */
  api: TestServer;
  client: RestClient;
  informers: InformerFactory;
  /** The clock the informers (and usually the controller) run on. */
  clock: Clock;
  /** An event recorder reporting as `component`. */
  recorder(component: string): EventRecorder;
  /** Starts the informers and waits for their caches: call after building controllers. */
  start(): Promise<void>;
  /** Stops the informers, the client and the server. */
  close(): Promise<void>;
}

/**
 * Starts an API server and a client (QPS 1000, or made by `client`), and an
 * informer factory on `clock` (default: the server's fake clock).
 */
export async function controllerTestEnv(
  opts: { clock?: Clock; client?: (config: ClientConfig) => RestClient } = {},
): Promise<ControllerTestEnv> {
  const api = await startTestServer();
  const config = { server: api.server.url, qps: 1000, burst: 1000 };
  const client = opts.client ? opts.client(config) : new RestClient(config);
  const clock = opts.clock ?? api.clock;
  const informers = new InformerFactory(client, { clock });
  return {
    api,
    client,
    informers,
    clock,
    recorder: (component) => new EventRecorder(client, { component }, { clock }),
    async start() {
      informers.start();
      await informers.waitForCacheSync();
    },
    async close() {
      await informers.stop();
      client.close();
      await api.close();
    },
  };
}
