/**
 * The classic HA diagram's alternative to the agents' built-in balancer:
 * Debian's nginx (packages nginx-light + libnginx-mod-stream) with its
 * stream module in front of the API servers, passing TLS through (layer 4),
 * so clients keep verifying the servers' certificates (every serving
 * certificate names 127.0.0.1, the usual listen address of the balancer).
 * A server that refuses or times out a connection is skipped
 * (proxy_next_upstream) and left out for fail_timeout; long-running
 * requests (watches) are allowed an hour of silence.
 *
 * Use: write nginxStreamConfig(...) to a file and run
 * `nginx -c FILE -e ERROR_LOG -g 'daemon off;'`; point kubeconfigs at the
 * listen address.
 */
import { upstreamOf } from "./apiserver-lb.ts";

/** Where Debian's libnginx-mod-stream installs the module. */
export const DEBIAN_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

export interface NginxStreamOptions {
  /** API server URLs (https://host:port). */
  servers: string[];
  /** host:port to listen on. */
  listen: string;
  pidFile: string;
  errorLog: string;
  /** Dynamic stream module to load; null when nginx has it built in. */
  streamModule?: string | null;
  /** Seconds a failed server is left out (default 10). */
  failTimeoutSeconds?: number;
}

/** The nginx.conf text of a TCP pass-through balancer over the API servers. */
export function nginxStreamConfig(opts: NginxStreamOptions): string {
  if (opts.servers.length === 0) throw new Error("Cannot balance over no API servers");
  const module = opts.streamModule === undefined ? DEBIAN_STREAM_MODULE : opts.streamModule;
  const fail = opts.failTimeoutSeconds ?? 10;
  const upstreams = opts.servers.map((url) => {
    const { host, port } = upstreamOf(url);
    const addr = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    return `      server ${addr} max_fails=1 fail_timeout=${fail}s;`;
  });
  return [
    "# k8ts API server load balancer (TLS passed through)",
    ...(module ? [`load_module ${module};`] : []),
    "worker_processes 1;",
    `pid ${opts.pidFile};`,
    `error_log ${opts.errorLog} warn;`,
    "events {",
    "  worker_connections 1024;",
    "}",
    "stream {",
    "  upstream kube_apiserver {",
    "      least_conn;",
    ...upstreams,
    "  }",
    "  server {",
    `    listen ${opts.listen};`,
    "    proxy_pass kube_apiserver;",
    "    proxy_connect_timeout 2s;",
    "    proxy_next_upstream on;",
    "    proxy_timeout 1h;",
    "  }",
    "}",
    "",
  ].join("\n");
}
