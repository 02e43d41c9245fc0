/**
 * Tokenizer for the label selector string form, with upstream's token rules
 * (apimachinery/pkg/labels Lexer): identifiers run until whitespace or one of
 * `=!(),<>`; operators are the longest known run of those symbols.
 */

export type TokenKind =
  | "error"
  | "end"
  | "closePar"
  | "comma"
  | "doesNotExist"
  | "doubleEquals"
  | "equals"
  | "greaterThan"
  | "identifier"
  | "in"
  | "lessThan"
  | "notEquals"
  | "notIn"
  | "openPar";

export interface Token {
  kind: TokenKind;
  literal: string;
}

const KEYWORDS: Record<string, TokenKind> = {
  ")": "closePar",
  ",": "comma",
  "!": "doesNotExist",
  "==": "doubleEquals",
  "=": "equals",
  ">": "greaterThan",
  in: "in",
  "<": "lessThan",
  "!=": "notEquals",
  notin: "notIn",
  "(": "openPar",
};

const isWhitespace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string) => "=!(),><".includes(c);

/** Splits a selector string into tokens, ending with one "end" token. */
export function lexLabelSelector(s: string): Token[] {
  let pos = 0;
  // A NUL byte ends the input, as upstream's byte reader treats 0 as end of string.
  const read = (): string => (pos < s.length && s[pos] !== "\0" ? s[pos++]! : (pos++, ""));
  const unread = () => {
    pos--;
  };
  const tokens: Token[] = [];
  for (;;) {
    let ch = read();
    while (ch !== "" && isWhitespace(ch)) ch = read();
    if (ch === "") {
      tokens.push({ kind: "end", literal: "" });
      return tokens;
    }
    unread();
    if (isSpecial(ch)) {
      let buffer = "";
      let last: Token | undefined;
      for (;;) {
        const c = read();
        if (c === "") break;
        if (!isSpecial(c)) {
          unread();
          break;
        }
        buffer += c;
        const kind = KEYWORDS[buffer];
        if (kind) {
          last = { kind, literal: buffer };
        } else if (last) {
          unread();
          break;
        }
      }
      tokens.push(last ?? { kind: "error", literal: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = "";
      for (;;) {
        const c = read();
        if (c === "") break;
        if (isSpecial(c) || isWhitespace(c)) {
          unread();
          break;
        }
        buffer += c;
      }
      const kind = KEYWORDS[buffer];
      tokens.push({ kind: kind && /^[a-z]+$/.test(buffer) ? kind : "identifier", literal: buffer });
    }
  }
}
