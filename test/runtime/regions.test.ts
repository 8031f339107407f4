// The input and result regions a module reports must lie inside its memory, 4-aligned and apart
// (docs/abi.md, "Before the first decision"); loadPolicy refuses any other as `instantiate_failed`
// (docs/artifacts.md). The pointers are i32s read as unsigned addresses: a "negative" one is past
// 2 GiB, not a small offset to subtract. Outside the memory, the host's writes of a request would be
// dropped (typed arrays ignore writes past their end) and the module would decide on whatever its
// memory held; its result would be read from nowhere.

import { describe, expect, it } from "vitest";
import { tryLoadPolicy } from "../../runtime/policy.js";
import { handBundle, PAGE, RESULT_BYTES, type HandModule } from "./hand-bundle.js";

function refusal(pointers: HandModule): string {
  const r = tryLoadPolicy(handBundle(pointers), { allowUnsigned: true });
  if (r.ok) return "loaded";
  expect(r.error.code).toBe("instantiate_failed");
  return r.error.message;
}

describe("the regions a module reports", () => {
  it("load when inside the memory, aligned and apart (the module decides)", () => {
    const r = tryLoadPolicy(handBundle(), { allowUnsigned: true });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.policy.decide({ n: 1 })).toEqual({ decision: "deny", rules: [], errors: [] });
    // the last bytes of the memory are still inside it
    expect(refusal({ input: PAGE - 64, result: PAGE - 64 - RESULT_BYTES })).toBe("loaded");
  });

  const refused: [string, HandModule, RegExp][] = [
    ["a negative result pointer (past 2 GiB)", { result: -4 }, /result region \(28 bytes at 4294967292\) runs past the end of its memory \(65536 bytes\)/],
    ["a result pointer one page back from 2^32", { result: -PAGE }, /result region \(28 bytes at 4294901760\) runs past the end/],
    ["a result region running past the end", { result: PAGE - 8 }, /result region \(28 bytes at 65528\) runs past the end/],
    ["a negative input pointer", { input: -64 }, /input region \(64 bytes at 4294967232\) runs past the end of its memory/],
    ["an input region running past the end", { input: PAGE - 4 }, /input region \(64 bytes at 65532\) runs past the end/],
    ["an input pointer outside the memory", { input: 1_000_000 }, /input region \(64 bytes at 1000000\) runs past the end/],
    ["an input size past the memory", { inputSize: 2 * PAGE }, /input region \(131072 bytes at 1024\) runs past the end/],
    ["a negative input size (past 2 GiB)", { inputSize: -8 }, /input region \(4294967288 bytes at 1024\) runs past the end/],
    ["a misaligned input pointer", { input: 1026 }, /input region \(64 bytes at 1026\) is not 4-byte aligned/],
    ["a misaligned result pointer", { result: 4098 }, /result region \(28 bytes at 4098\) is not 4-byte aligned/],
    ["a result region inside the input region", { input: 1024, inputSize: 512, result: 1280 }, /input region \(512 bytes at 1024\) and result region \(28 bytes at 1280\) overlap/],
    ["an input region that starts in the result region", { input: 4096 + 24, result: 4096 }, /input region \(64 bytes at 4120\) and result region \(28 bytes at 4096\) overlap/],
    ["an input region smaller than the layout", { inputSize: 4 }, /input region \(4 bytes\) is smaller than the layout needs \(8\)/],
  ];
  for (const [what, pointers, message] of refused)
    it(`refuse ${what} as instantiate_failed`, () => {
      expect(refusal(pointers)).toMatch(message);
    });
});
