// The byte-level primitives of the WebAssembly binary reader (reader.ts): LEB128 integers in every
// width the format uses, names, vectors and bounds checks. Every read is checked; a malformed input
// raises a ReadError (reason and offset) that readModule turns into a value for its caller.

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ReadError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export abstract class ByteReader {
  pos = 0;

  constructor(protected readonly b: Uint8Array) {}


  protected fail(reason: string, offset: number): never {
    throw new ReadError(reason, offset);
  }

  protected byte(): number {
    const v = this.b[this.pos];
    if (v === undefined) this.fail("unexpected end of module", this.pos);
    this.pos++;
    return v;
  }

  protected skip(n: number): void {
    if (this.pos + n > this.b.length) this.fail("unexpected end of module", this.pos);
    this.pos += n;
  }

  // i32.const immediates without BigInt: at most 5 bytes, and in the fifth the bits above the
  // value's 32 must be copies of its sign bit.
  protected s32(): number {
    const at = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) {
        if (i === 4) {
          const upper = b & 0x70;
          if ((b & 0x08) !== 0 ? upper !== 0x70 : upper !== 0) this.fail("s32 LEB128 out of range", at);
          return result | 0;
        }
        const shift = 7 * (i + 1);
        return (b & 0x40) !== 0 ? result | (-1 << shift) : result;
      }
    }
    return this.fail("s32 LEB128 too long", at);
  }

  // Validates an s64 immediate without converting it: at most 10 bytes, and the tenth holds only
  // the sign (0x00 or 0x7f).
  protected skipS64(): void {
    const at = this.pos;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      if ((b & 0x80) === 0) {
        if (i === 9 && b !== 0x00 && b !== 0x7f) this.fail("s64 LEB128 out of range", at);
        return;
      }
    }
    this.fail("s64 LEB128 too long", at);
  }

  protected fixed(n: number): Uint8Array {
    if (this.pos + n > this.b.length) this.fail("unexpected end of module", this.pos);
    const out = this.b.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  // A count cannot exceed the bytes left (every element takes at least one), which keeps a forged
  // huge count from allocating.
  protected checkCount(n: number, end: number): void {
    if (n > end - this.pos) this.fail(`count ${n} exceeds the remaining bytes`, this.pos);
  }

  protected vec<T>(item: () => T): T[] {
    const n = this.u32();
    this.checkCount(n, this.b.length);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }

  protected name(): string {
    const len = this.u32();
    const at = this.pos;
    const raw = this.fixed(len);
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail("name is not valid UTF-8", at);
    }
  }


  protected u32(): number {
    const at = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      if (i === 4 && b > 0x0f) this.fail("u32 LEB128 out of range", at);
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    return this.fail("u32 LEB128 too long", at);
  }

  protected u64AsNumber(): number {
    const at = this.pos;
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (result > BigInt(Number.MAX_SAFE_INTEGER)) this.fail("u64 limit too large", at);
        return Number(result);
      }
    }
    return this.fail("u64 LEB128 too long", at);
  }

  // Signed LEB128 of `bits` width; rejects encodings that are too long or whose unused bits in the
  // last byte are not a sign extension.
  protected sleb(bits: number): bigint {
    const at = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (i === maxBytes - 1) {
          const used = bits - 7 * i; // payload bits that count in this byte
          const allOnes = 0x7f >> (used - 1);
          const rest = (b >> (used - 1)) & allOnes; // the sign bit and the unused bits above it
          if (rest !== 0 && rest !== allOnes) this.fail(`s${bits} LEB128 out of range`, at);
        }
        if (b & 0x40) result -= 1n << shift;
        return result;
      }
    }
    return this.fail(`s${bits} LEB128 too long`, at);
  }
}
