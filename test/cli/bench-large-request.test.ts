// `writ bench --time-limit` on one request of megabytes (999,000 ints, 6.9 MB of JSON), which the
// command repeats to 1,000 positions a pass: it is encoded for evaluate only once, not once a
// position (8 MB each, 8 GB in all, and many seconds before the limit was looked at). In a file of
// its own, so that the process's peak memory is this run's. No figure of time is asserted but a
// generous bound: what is asserted is what is printed and how much memory the run took.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const INTS = 999_000;

describe("writ bench on a request of megabytes", () => {
  it("keeps to --time-limit, encoding the request once: a little memory, not a copy per position", async () => {
    const dir = tempDir("bench-large");
    writeFileSync(join(dir, "wide.writ"), `policy "wide" version "1.0.0"\ninput {\n  zs: list<int>(${INTS})\n}\npermit one when size(zs) == 1\n`);
    writeFileSync(join(dir, "wide.jsonl"), JSON.stringify({ zs: Array.from({ length: INTS }, (_, i) => i) }) + "\n");
    // the compiler loaded and the policy checked first, so that what follows is the bench's own work
    expect((await runWrit(["check", "wide.writ"], dir)).code).toBe(0);

    const peakBefore = process.resourceUsage().maxRSS; // KiB
    const started = performance.now();
    const r = await runWrit(["bench", "wide.writ", "--requests", "wide.jsonl", "--time-limit", "5"], dir);
    const seconds = (performance.now() - started) / 1000;
    const grewMiB = (process.resourceUsage().maxRSS - peakBefore) / 1024;

    expect(r.code, r.err).toBe(1);
    expect(r.out).toBe("");
    // where the limit falls depends on the machine's speed: here, in the warm-up of decide, which
    // takes milliseconds a decision (the agreement check, the first decisions of all, takes a second
    // or two)
    expect(r.err).toMatch(
      new RegExp(
        "^writ bench: (the agreement check had decided 1 of the 1 requests when the time limit of 5 s \\(--time-limit\\) was reached; nothing was timed" +
          "|nothing was timed within the time limit of 5 s \\(--time-limit\\): (the requests of evaluate only \\(module, request encoded beforehand\\) were being encoded: 1 of its 1 encoded" +
          "|the warm-up of .+ had not ended its first pass: \\d+ of its 1000 requests decided|another warm-up pass of .+ would end past it \\(.+\\)) \\(1 request, repeated to 1000 a pass\\))$",
      ),
    );
    // one encoding of 8 MB, the request and the module's memory: tens of MiB (an encoding a position was 8 GB)
    expect(grewMiB).toBeLessThan(1024);
    // the limit, and reading and parsing 6.9 MB of JSON before it starts, with room for a slow machine
    expect(seconds).toBeLessThan(30);
  }, 120_000);
});
