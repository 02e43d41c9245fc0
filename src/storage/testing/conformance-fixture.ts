import type { Backend } from "../backend.ts";

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
