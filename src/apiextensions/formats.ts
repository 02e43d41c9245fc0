/**
 * The OpenAPI string formats a CRD schema may name that upstream validates
 * (go-openapi strfmt). Formats not listed (int32, float, password, ...) only
 * document the value.
 */
import { isIP } from "node:net";
import { parseDuration } from "../api/schema/go-formats.ts";

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const HOSTNAME =
  /^(?=.{1,255}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function validDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

function validCIDR(s: string): boolean {
  const [ip, bits, ...rest] = s.split("/");
  if (rest.length > 0 || ip === undefined || bits === undefined || !/^\d+$/.test(bits))
    return false;
  const v = isIP(ip);
  return v !== 0 && Number(bits) <= (v === 4 ? 32 : 128);
}

function validDuration(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}

/** Validators by format name; true means valid. */
export const STRING_FORMATS: Readonly<Record<string, (s: string) => boolean>> = {
  "date-time": (s) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s.replace(" ", "T"))),
  datetime: (s) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s.replace(" ", "T"))),
  date: validDate,
  duration: validDuration,
  uuid: (s) => UUID.test(s),
  uuid3: (s) => UUID.test(s),
  uuid4: (s) => UUID.test(s),
  uuid5: (s) => UUID.test(s),
  byte: (s) => BASE64.test(s),
  email: (s) => EMAIL.test(s),
  hostname: (s) => HOSTNAME.test(s),
  ipv4: (s) => isIP(s) === 4,
  ipv6: (s) => isIP(s) === 6,
  cidr: validCIDR,
  mac: (s) => MAC.test(s),
  uri: (s) => {
    try {
      return new URL(s).protocol !== "";
    } catch {
      return false;
    }
  },
};
