// Checks of the request the host wrote into the input region (docs/abi.md, "What the module
// refuses"). The JavaScript runtime's encoder writes valid encodings only, but any WebAssembly host
// may write the region, and the module must not decide on an encoding that breaks the ABI's rules:
// it traps (assembly/writ.ts), and the host denies. A presence flag or a bool must be 1 or 0: read
// as `!= 0`, a presence flag of 2 or -1 was "present", and `!has(ticket)` did not hold for a
// request without a ticket. The check is one comparison where the word is read.

import { assertUnreachable } from "../diagnostics.js";
import type { FieldLayout } from "../../runtime/wasm/layout.js";

export class InputChecks {
  /** An expression: the presence flag at `addr + off`, checked. */
  presence(addr: string, off: number): string {
    return `flag(load<u32>(${addr}, ${off}))`;
  }

  /** An expression: the value of field `f` of the record at `addr` (records nest inline), checked. */
  field(f: FieldLayout, addr: string): string {
    const s = f.type;
    switch (s.kind) {
      case "bool":
        return `flag(load<u32>(${addr}, ${f.offset}))`;
      case "int":
        return `load<i64>(${addr}, ${f.offset})`;
      case "string":
        return s.rep === "id" ? `load<i32>(${addr}, ${f.offset})` : `load<usize>(${addr}, ${f.offset})`;
      case "list":
      case "map":
        return `load<usize>(${addr}, ${f.offset})`;
      case "record":
        return `(${addr} + ${f.offset})`;
      default:
        return assertUnreachable(s);
    }
  }
}
