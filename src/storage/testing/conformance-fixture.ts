import { afterEach, beforeEach } from "node:test";
import type { Backend } from "../backend.ts";
import { uniquePrefix } from "./watch-reader.ts";

/** What a driver's test hands the conformance suite for each test case. */
export interface ConformanceFixture {
  /** A started backend, used by one test case only. */
  backend: Backend;
  /** Closes the backend and removes anything the fixture created. */
  cleanup(): Promise<void>;
  /**
   * Moves the driver's clock forward by seconds and runs TTL expiry, resolving
   * once expired keys are deleted. Drivers with a deterministic clock provide it;
   * without it the TTL test writes a 1 s TTL and waits for the DELETE event.
   */
  advanceClock?(seconds: number): Promise<void>;
}

export type MakeBackend = () => Promise<ConformanceFixture>;

/**
 * Registers the per-case hooks of a conformance block: before each case a
 * fresh fixture and key prefix are handed to `use`; after it the fixture is
 * cleaned up.
 */
export function eachCase(
  makeBackend: MakeBackend,
  prefixName: string,
  use: (fx: ConformanceFixture, prefix: string) => void,
): void {
  let fx: ConformanceFixture | undefined;
  beforeEach(async () => {
    fx = await makeBackend();
    use(fx, uniquePrefix(prefixName));
  });
  afterEach(async () => {
    await fx?.cleanup();
    fx = undefined;
  });
}
