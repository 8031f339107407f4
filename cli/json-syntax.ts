// Where JSON that JSON.parse refused goes wrong. V8 in Node 20 names a position for some errors
// ("… in JSON at position 60") but not for an unexpected character (`[1,]`, Python's `True`, single
// quotes), which is most of what people write by mistake; so a file of requests could be refused
// without a line to look at. This walks the text as RFC 8259 reads it to the first character that
// cannot be there. It runs only after JSON.parse has failed, so it is written for clarity, not speed.

/** What comes next: a value, a member name (or the object's end), or what follows a value. */
type Expect = "value" | "key" | "after";

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * The offset of the first character in `text` that makes it not one JSON value (`text.length` when
 * it ends too soon), or undefined when it is valid JSON. Nesting is kept on a stack of its own rather
 * than the call stack: a request nested a million deep must not overflow it.
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  const open = new Nesting(); // 0x5b [ or 0x7b { per open container
  let expect: Expect = "value";
  let i = 0;
  for (;;) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i === text.length) return expect === "after" && open.top() === undefined ? undefined : i;
    const c = text.charCodeAt(i);
    if (expect === "after") {
      const top = open.top();
      if (top === undefined) return i; // something after the value
      if (c === 0x2c /* , */) expect = top === 0x7b ? "key" : "value";
      else if (c === (top === 0x7b ? 0x7d : 0x5d)) open.pop();
      else return i;
      i++;
      continue;
    }
    if (expect === "key") {
      if (c !== 0x22) return i;
      const end = stringEnd(text, i);
      if (end < 0) return -end - 1;
      i = end;
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      if (i === text.length || text.charCodeAt(i) !== 0x3a /* : */) return i;
      i++;
      expect = "value";
      continue;
    }
    // a value
    if (c === 0x7b || c === 0x5b) {
      open.push(c);
      i++;
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      // an empty container closes at once; `{,` or `[,` is caught by what follows
      if (text.charCodeAt(i) === (c === 0x7b ? 0x7d : 0x5d)) {
        open.pop();
        i++;
        expect = "after";
      } else expect = c === 0x7b ? "key" : "value";
      continue;
    }
    const end = c === 0x22 ? stringEnd(text, i) : c === 0x2d || isDigit(c) ? numberEnd(text, i) : literalEnd(text, i);
    if (end < 0) return -end - 1;
    i = end;
    expect = "after";
  }
}

/**
 * The containers open, innermost last: one byte each (`[` or `{`), in a typed array grown by doubling.
 * A text of 512 MiB may open as many, more than V8 holds in an array of numbers.
 */
class Nesting {
  private bytes = new Uint8Array(64);
  private depth = 0;

  push(c: number): void {
    if (this.depth === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.depth++] = c;
  }

  pop(): void {
    if (this.depth > 0) this.depth--;
  }

  /** the innermost open container, or undefined when none is */
  top(): number | undefined {
    return this.depth === 0 ? undefined : this.bytes[this.depth - 1];
  }
}

/**
 * Where the string starting at `start` (its opening quote) ends, just past its closing quote; or,
 * for a string that cannot be, the offset of the offending character encoded as -(offset + 1):
 * a control character, a bad escape, or the end of the text.
 */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -(i + 1);
    if (c === 0x5c /* \ */) {
      const e = text.charCodeAt(i + 1);
      if (e === 0x75 /* u */) {
        for (let k = 2; k < 6; k++) if (!isHex(text.charCodeAt(i + k))) return -(Math.min(i + k, text.length) + 1);
        i += 6;
        continue;
      }
      if (!'"\\/bfnrt'.includes(text[i + 1] ?? "x")) return -(Math.min(i + 1, text.length) + 1);
      i += 2;
      continue;
    }
    i++;
  }
  return -(text.length + 1);
}

/** Where the number starting at `start` ends, or -(offset + 1) of the character that breaks it. */
function numberEnd(text: string, start: number): number {
  let i = start;
  const digits = (): boolean => {
    const from = i;
    while (isDigit(text.charCodeAt(i))) i++;
    return i > from;
  };
  if (text.charCodeAt(i) === 0x2d) i++;
  if (text.charCodeAt(i) === 0x30) i++; // a leading zero stands alone: `01` ends after the 0, and the 1 is out of place
  else if (!digits()) return -(i + 1);
  if (text.charCodeAt(i) === 0x2e /* . */) {
    i++;
    if (!digits()) return -(i + 1);
  }
  if ((text.charCodeAt(i) | 0x20) === 0x65 /* e E */) {
    i++;
    if (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d) i++;
    if (!digits()) return -(i + 1);
  }
  return i;
}

/** Where `true`, `false` or `null` at `start` ends, or -(offset + 1) of the first character that is not it. */
function literalEnd(text: string, start: number): number {
  const word = ["true", "false", "null"].find((w) => w[0] === text[start]);
  if (word === undefined) return -(start + 1);
  for (let k = 1; k < word.length; k++) if (text[start + k] !== word[k]) return -(start + k + 1);
  return start + word.length;
}
