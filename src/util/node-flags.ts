/**
 * The Node/V8 flags k8ts processes run with: bin/k8ts's shebang carries them
 * (`env -S`), and whatever spawns `node bin/k8ts` itself (benchmarks, the
 * end-to-end harness) passes them before the script.
 *
 * --max-semi-space-size=64: a young generation of up to 64 MiB per semi-space
 * (V8's default is 16 MiB). An API server under load keeps many short-lived
 * objects alive across a request's awaits; with the default, scavenges run so
 * often that those objects survive them and are promoted, then collected by
 * the far dearer old-generation GC. Measured with bench:api at 100 clients:
 * 10-25% less server CPU per create/get (load 5-20), for up to ~100 MiB more
 * RSS while busy.
 */
export const K8TS_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64"];
