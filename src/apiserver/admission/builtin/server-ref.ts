/**
 * The API server a built-in admission plugin reads from. Plugins are built
 * before the server exists (the pipeline is a server option), so they hold a
 * ServerRef that is bound once the server is up; admission calls made before
 * that (the server's own bootstrap writes) wait for the binding.
 */
import type { ServerContext } from "../../context.ts";

export class ServerRef {
  #server: ServerContext | undefined;
  #resolve!: (s: ServerContext) => void;
  readonly #bound: Promise<ServerContext>;

  constructor(server?: ServerContext) {
    this.#bound = new Promise((resolve) => (this.#resolve = resolve));
    if (server) this.bind(server);
  }

  /** Binds the server; later calls are ignored. */
  bind(server: ServerContext): void {
    if (this.#server) return;
    this.#server = server;
    this.#resolve(server);
  }

  /** The bound server, or undefined before the binding. */
  now(): ServerContext | undefined {
    return this.#server;
  }

  /** The bound server (waits until bound). */
  get(): Promise<ServerContext> {
    return this.#server ? Promise.resolve(this.#server) : this.#bound;
  }
}
