/**
 * Static tokens from --token-auth-file: CSV lines `token,user,uid,"g1,g2"`
 * (groups optional), as upstream's tokenfile authenticator. Blank lines and
 * lines starting with # are skipped.
 */
import { timingSafeEqual } from "node:crypto";
import type { AuthnResult, TokenAuthenticator, UserInfo } from "../types.ts";

/** A typed parse failure naming the line. */
export class TokenFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenFileError";
  }
}

/** Splits one CSV record (double-quoted fields may hold commas; "" is a quote). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(cur);
      cur = "";
    } else cur += c;
  }
  fields.push(cur);
  return fields.map((f) => f.trim());
}

/** Parses the file's text into token → user. Throws TokenFileError. */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = parseCsvLine(line);
    if (fields.length < 3)
      throw new TokenFileError(`token file line ${i + 1}: expected at least 3 columns`);
    const [token, username, uid, groups] = fields;
    if (!token) throw new TokenFileError(`token file line ${i + 1}: empty token`);
    const user: UserInfo = {
      username,
      uid,
      groups: groups
        ? groups
            .split(",")
            .map((g) => g.trim())
            .filter((g) => g !== "")
        : [],
    };
    tokens.set(token, user);
  });
  return tokens;
}

/** Authenticates tokens listed in a token file. */
export function tokenFileAuthenticator(tokens: Map<string, UserInfo>): TokenAuthenticator {
  const entries = [...tokens.entries()].map(([t, u]) => [Buffer.from(t), u] as const);
  return {
    name: "token-file",
    async authenticateToken(token: string): Promise<AuthnResult> {
      const given = Buffer.from(token);
      for (const [t, user] of entries) {
        if (t.length === given.length && timingSafeEqual(t, given))
          return { kind: "user", user: { ...user, groups: [...user.groups] } };
      }
      return { kind: "none" };
    },
  };
}
