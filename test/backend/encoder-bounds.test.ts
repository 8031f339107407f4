// Both request encoders (the generated one and the closure tree) are handed requests that should be
// valid, but write none past the input region when they are not: each list, map and string written
// is checked against its schema bound before its block is, and each block's end against the
// region's end. What they refuse they name as the validator names it (path and bound), and the memory
// after the region (where the module keeps state between decisions) keeps every byte.

import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { pathOf } from "../../runtime/request.js";
import type { RecordType } from "../../runtime/schema.js";
import { createEncoder, EncodingRefused } from "../../runtime/wasm/encoder.js";
import type { InputLayout } from "../../runtime/wasm/layout.js";

const BASE = 1024;
const UNTOUCHED = 0xa5;

let layout: InputLayout;
let schema: RecordType;
beforeAll(async () => {
  const r = await compilePolicy(
    `policy "b" version "1"
input { items: list<{ name: string(6), tags: list<string(8)>(2) }>(3), m: map<string(4), int>(2), s: string(5), nums: list<int>(2) }
permit a when items.exists(i, i.name.startsWith("x") && "t" in i.tags) && m.exists(k, k.startsWith("q")) && s.startsWith("y") && size(nums) > 0
`,
    { optimize: false },
  );
  if (!r.bundle) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  layout = r.bundle.manifest.layout as InputLayout;
  schema = r.bundle.manifest.schema;
}, 60_000);

const valid = () => ({ items: [{ name: "xa", tags: ["t"] }], m: { q: 1 }, s: "yy", nums: [1] });

/** What encoding `request` throws, as [path, problem, internal], checking that no byte outside the region changed. */
function refusal(l: InputLayout, request: unknown, portable: boolean): [string, string, boolean] | undefined {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const u8 = new Uint8Array(memory.buffer);
  u8.fill(UNTOUCHED);
  const encoder = createEncoder(l, schema, memory, BASE, { portable });
  let thrown: unknown;
  try {
    encoder.encode(request);
  } catch (e) {
    thrown = e;
  }
  const end = BASE + Math.ceil(l.inputSize / 4) * 4;
  const changed = [...u8.subarray(0, BASE), ...u8.subarray(end)].filter((b) => b !== UNTOUCHED).length;
  expect(changed, "bytes changed outside the input region").toBe(0);
  if (thrown === undefined) return undefined;
  expect(thrown).toBeInstanceOf(EncodingRefused);
  const e = thrown as EncodingRefused;
  return [pathOf(e.segments), e.problem, e.internal];
}

describe("the request encoders", () => {
  for (const portable of [false, true]) {
    const which = portable ? "the closure encoder" : "the generated encoder";

    it(`${which} refuses a list, a map, a string or a key beyond its bound, far beyond or just, and writes nothing past the region`, () => {
      const cases: [unknown, string, string][] = [
        [{ ...valid(), nums: new Array(500).fill(7) }, "nums", "list has 500 elements, more than the 2 allowed"],
        [{ ...valid(), nums: [1, 2, 3] }, "nums", "list has 3 elements, more than the 2 allowed"],
        [{ ...valid(), items: new Array(40).fill({ name: "x", tags: [] }) }, "items", "list has 40 elements, more than the 3 allowed"],
        [{ ...valid(), items: [{ name: "x", tags: [] }, { name: "x", tags: ["a", "b", "c"] }] }, "items[1].tags", "list has 3 elements, more than the 2 allowed"],
        [{ ...valid(), items: [{ name: "x".repeat(700), tags: [] }] }, "items[0].name", "string is 700 bytes long, more than the 6 allowed"],
        [{ ...valid(), s: "yé" + "é".repeat(400) }, "s", "string is 803 bytes long, more than the 5 allowed"],
        [{ ...valid(), s: "y😀😀" }, "s", "string is 9 bytes long, more than the 5 allowed"],
        // past 65,536 UTF-16 units, by its length, unread, as the validator says it
        [{ ...valid(), s: "é".repeat(70_000) }, "s", "string is at least 70000 bytes long, more than the 5 allowed"],
        [{ ...valid(), s: 12 }, "s", "expected string, got the number 12"],
        [{ ...valid(), m: Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`k${i}`, i])) }, "m", "map has 90 entries, more than the 2 allowed"],
        [{ ...valid(), m: { q: 1, ["é".repeat(300)]: 2 } }, `m["${"é".repeat(63)}…"]`, "key: string is 600 bytes long, more than the 4 allowed"],
        [{ ...valid(), nums: { length: 1e9 } }, "nums", "expected list, got an object"],
      ];
      for (const [request, path, problem] of cases) expect(refusal(layout, request, portable), path).toEqual([path, problem, false]);
      expect(refusal(layout, valid(), portable)).toBeUndefined();
      // at the bounds: 5 bytes ("é" is 2), two entries, two elements, written whole
      expect(refusal(layout, { ...valid(), s: "yéé", m: { q: 1, r: 2 }, nums: [1, 2] }, portable)).toBeUndefined();
    });

    it(`${which} refuses, as the layout's fault, a request within its bounds whose encoding would still run past the region`, () => {
      // a layout whose inputSize is smaller than its bounds need: only the region's end stands between
      // the request and what follows it
      const short = { ...layout, inputSize: layout.root.size + 16 };
      const [path, problem, internal] = refusal(short, { ...valid(), s: "yyyyy", nums: [1, 2] }, portable)!;
      expect(internal).toBe(true);
      expect(problem).toMatch(/would run past this policy's input region of \d+ bytes, though it is within its bounds/);
      expect(["items", "items[0]", "items[0].name", "items[0].tags", "m", "m[\"q\"]", "s", "nums"]).toContain(path);
    });
  }
});
