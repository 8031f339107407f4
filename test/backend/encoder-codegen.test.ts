// The generated encoder must write exactly the bytes the closure encoder writes, for every request.

import { describe, expect, it } from "vitest";
import { planLayout } from "../../compiler/backend/layout.js";
import { createEncoder } from "../../runtime/wasm/encoder.js";
import { expressionRequests, expressionsPolicy } from "./expressions-policy.js";

describe("generated encoder", () => {
  it("writes the same bytes as the closure encoder on 2,000 requests", () => {
    const { ir } = expressionsPolicy();
    const { layout } = planLayout(ir);
    const pages = Math.ceil((1024 + layout.inputSize) / 65536) + 1;
    const memories = [0, 1].map(() => new WebAssembly.Memory({ initial: pages, maximum: pages }));
    const generated = createEncoder(layout, ir.schema, memories[0]!, 1024);
    const portable = createEncoder(layout, ir.schema, memories[1]!, 1024, { portable: true });
    const bytes = memories.map((m) => new Uint8Array(m.buffer));
    let compared = 0;
    for (const request of expressionRequests(2000, 7)) {
      bytes[0]!.fill(0);
      bytes[1]!.fill(0);
      generated.encode(request);
      portable.encode(request);
      expect(generated.usedBytes()).toBe(portable.usedBytes());
      const used = 1024 + portable.usedBytes();
      expect(Buffer.compare(bytes[0]!.subarray(0, used), bytes[1]!.subarray(0, used))).toBe(0);
      compared += used - 1024;
    }
    expect(compared).toBeGreaterThan(2000 * 8);
  });

  it("keeps its locals apart from its parameters however many it makes", () => {
    // lists after 0..7 bool fields: one of the shifts numbers a loop index 32, and `i32` must never
    // be shadowed by it
    for (let pad = 0; pad < 8; pad++) {
      const bools = Array.from({ length: pad }, (_, i) => ({ name: `b${i}`, offset: 4 * i, presence: -1, type: { kind: "bool" as const } }));
      const lists = Array.from({ length: 12 }, (_, i) => ({
        name: `l${i}`,
        offset: 4 * (pad + i),
        presence: -1,
        type: { kind: "list" as const, element: { kind: "int" as const } },
      }));
      const fields = [...bools, ...lists];
      const layout = { abi: 1, strings: [], root: { kind: "record" as const, size: 4 * fields.length, fields }, inputSize: 4096 };
      const schema = {
        kind: "record" as const,
        fields: fields.map((f) => ({ name: f.name, optional: false, type: f.type.kind === "bool" ? f.type : { kind: "list" as const, element: f.type.element, max: 3 } })),
      };
      const memories = [0, 1].map(() => new WebAssembly.Memory({ initial: 1, maximum: 1 }));
      const generated = createEncoder(layout, schema, memories[0]!, 1024);
      const portable = createEncoder(layout, schema, memories[1]!, 1024, { portable: true });
      const request = Object.fromEntries(fields.map((f, i) => [f.name, f.type.kind === "bool" ? true : [i, -i, 2 ** 40 + i]]));
      generated.encode(request);
      portable.encode(request);
      expect(Buffer.compare(new Uint8Array(memories[0]!.buffer), new Uint8Array(memories[1]!.buffer))).toBe(0);
    }
  });
});
