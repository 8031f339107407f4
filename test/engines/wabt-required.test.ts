// The tests that compare with wabt (wasm-interp as the second WebAssembly engine, wat2wasm as the
// second assembler) skip themselves where wabt is not installed, saying so. Where it must be — CI,
// whose .ci/run installs it and sets WRIT_REQUIRE_WABT=1 — its absence is a failure here instead,
// so that the independent referee cannot drop out of a run that still reports success.

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { hasWasmInterp, WASM_INTERP } from "../support/wasm-interp.js";

const required = process.env.WRIT_REQUIRE_WABT === "1";

describe("wabt, where it is required", () => {
  it.runIf(required)("wasm-interp and wat2wasm run, so the second-engine and assembler cross-checks are not skipped", () => {
    expect(hasWasmInterp(), `${WASM_INTERP} --version does not run: the V8 and wasm-interp comparisons would be skipped`).toBe(true);
    expect(spawnSync("wat2wasm", ["--version"]).status, "wat2wasm --version does not run: the reader's opcode cross-check would be skipped").toBe(0);
  });
});
