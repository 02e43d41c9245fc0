/**
 * One structured log format for every component: a JSON object per line on
 * stderr with time, level, component and message, plus any fields.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines carry extra fixed fields (e.g. a sub-component). */
  with(fields: Record<string, unknown>): Logger;
}

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(
  component: string,
  opts: { level?: LogLevel; write?: (line: string) => void; fields?: Record<string, unknown> } = {},
): Logger {
  const min = order[opts.level ?? ((process.env.K8TS_LOG_LEVEL as LogLevel) || "info")] ?? 1;
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const base = opts.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    const record: Record<string, unknown> = {
      ts: new Date().toISOString(),
      level,
      component,
      msg,
      ...base,
    };
    for (const [k, v] of Object.entries(fields ?? {}))
      record[k] = v instanceof Error ? v.message : v;
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    with: (fields) => createLogger(component, { ...opts, fields: { ...base, ...fields } }),
  };
}
