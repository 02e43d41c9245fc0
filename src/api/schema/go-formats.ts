/**
 * Text forms Kubernetes' Go types use in JSON, for the protobuf codec:
 * metav1.Time (RFC 3339, seconds), metav1.MicroTime (RFC 3339, 6 fractional
 * digits), both UTC; and time.Duration strings ("1h2m3.5s", "300ms").
 * All functions are pure; parse functions throw `Error` with a message
 * naming the bad input.
 */

const NANOS_PER_SECOND = 1_000_000_000n;

/** Formats seconds+nanos since the epoch as metav1.Time ("2006-01-02T15:04:05Z"). */
export function formatTime(seconds: number, nanos = 0, micro = false): string {
  const d = new Date(0);
  d.setTime(seconds * 1000);
  if (Number.isNaN(d.getTime())) throw new Error(`Cannot format time: ${seconds}s is out of range`);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(
    d.getUTCHours(),
    2,
  )}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (!micro) return `${base}Z`;
  return `${base}.${pad(Math.floor(nanos / 1000), 6)}Z`;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 timestamp into seconds and nanos since the epoch. */
export function parseTime(text: string): { seconds: number; nanos: number } {
  const m = RFC3339.exec(text);
  if (!m) throw new Error(`Cannot parse time "${text}": not RFC 3339`);
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let seconds = Math.floor(d.getTime() / 1000);
  if (m[9]) {
    const offset = (Number(m[10]) * 60 + Number(m[11])) * 60;
    seconds += m[9] === "+" ? -offset : offset;
  }
  const nanos = m[7] ? Number(m[7].padEnd(9, "0")) : 0;
  return { seconds, nanos };
}

/** Formats nanoseconds as Go's time.Duration.String() does. */
export function formatDuration(nanos: bigint | number): string {
  let n = BigInt(nanos);
  if (n === 0n) return "0s";
  const neg = n < 0n;
  if (neg) n = -n;
  let out: string;
  if (n < NANOS_PER_SECOND) {
    if (n < 1000n) out = `${n}ns`;
    else if (n < 1_000_000n) out = `${fraction(n, 1000n)}µs`;
    else out = `${fraction(n, 1_000_000n)}ms`;
  } else {
    const hours = n / (3600n * NANOS_PER_SECOND);
    n -= hours * 3600n * NANOS_PER_SECOND;
    const minutes = n / (60n * NANOS_PER_SECOND);
    n -= minutes * 60n * NANOS_PER_SECOND;
    out = `${fraction(n, NANOS_PER_SECOND)}s`;
    if (hours > 0n || minutes > 0n) out = `${minutes}m${out}`;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return neg ? `-${out}` : out;
}

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: NANOS_PER_SECOND,
  m: 60n * NANOS_PER_SECOND,
  h: 3600n * NANOS_PER_SECOND,
};

/** Parses a Go duration string ("1h30m", "-1.5s", "0") into nanoseconds. */
export function parseDuration(text: string): bigint {
  let rest = text;
  let neg = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    neg = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") throw new Error(`Cannot parse duration "${text}": value is empty`);
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m || (m[1] === "" && (m[2] === undefined || m[2] === ""))) {
      throw new Error(`Cannot parse duration "${text}": invalid or missing unit`);
    }
    const unit = UNIT_NANOS[m[3]!]!;
    total += BigInt(m[1] || "0") * unit;
    if (m[2]) total += (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
}

/** `n / unit` with the fractional part's trailing zeros trimmed. */
function fraction(n: bigint, unit: bigint): string {
  const whole = n / unit;
  const frac = n % unit;
  if (frac === 0n) return `${whole}`;
  const digits = String(unit).length - 1;
  return `${whole}.${frac.toString().padStart(digits, "0").replace(/0+$/, "")}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
