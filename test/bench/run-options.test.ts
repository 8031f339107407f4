// `npm run bench`'s options (bench/run.ts): what it refuses as a usage error (exit 2) before anything
// is compiled or timed, and its --help. Nothing here runs a benchmark.

import { afterEach, describe, expect, it, vi } from "vitest";
import { main, parseOptions, USAGE, type Options } from "../../bench/run.js";
import { ENGINE_ORDER } from "../../bench/engines/index.js";
import { DEFAULT_MIX_SEED } from "../../bench/mix.js";
import { MAX_SCALING_RULES } from "../../bench/policies/generate-scaling.js";

const refused = (argv: string[]): string => {
  const parsed = parseOptions(argv);
  if (typeof parsed !== "string") throw new Error(`${argv.join(" ")} was taken: ${JSON.stringify(parsed)}`);
  return parsed;
};
const taken = (argv: string[]): Options => {
  const parsed = parseOptions(argv);
  if (typeof parsed === "string") throw new Error(`${argv.join(" ")} was refused: ${parsed}`);
  return parsed;
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("npm run bench's options", () => {
  it("refuses an empty engine list, which would check nothing and time nothing", async () => {
    for (const arg of ["--engines=", "--engines=,", "--engines=,,"]) expect(refused([arg, "--check"])).toMatch(/^--engines needs at least one engine/);
    expect(refused(["--engines=writ,nope"])).toMatch(/^unknown engine `nope` \(known: writ, /);
    expect(taken(["--engines=cedar,writ"]).engines).toEqual(["cedar", "writ"]);
    expect(refused(["--engines=writ,cedar,writ"])).toBe("--engines names `writ` twice");
    for (const quiet of ["0x10", "1e1", " 8", "8us"]) expect(refused([`--when-quiet=${quiet}`])).toMatch(/^--when-quiet needs a probe time in µs/);
    expect(taken(["--when-quiet=7.5"]).whenQuietUs).toBe(7.5);
    expect(taken([]).engines).toEqual([...ENGINE_ORDER]);
    // as the command does: a usage error, exit 2, before anything is compiled
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await main(["--check", "--engines="])).toBe(2);
    expect(err.mock.calls.join("\n")).toMatch(/^bench: --engines needs at least one engine/);
  });

  it("takes a seed in decimal digits only, and refuses an empty one (which meant seed 0)", () => {
    expect(taken([]).seed).toBe(DEFAULT_MIX_SEED);
    expect(taken(["--seed=0"]).seed).toBe(0);
    expect(taken(["--seed=4294967295"]).seed).toBe(4294967295);
    for (const text of ["", " 1", "0x10", "1e3", "-1", "1.5", "4294967296"]) {
      expect(refused([`--seed=${text}`]), text).toBe(`--seed needs a whole number from 0 to 4294967295, got \`${text}\``);
    }
  });

  it("takes scaling rule counts in decimal digits only", () => {
    expect(taken(["--scaling=10,100"]).scaling).toEqual([10, 100]);
    for (const text of ["", "1e3", "10,", "0x10", "0"]) expect(refused([`--scaling=${text}`]), text).toMatch(/^--scaling needs rule counts/);
  });

  it("refuses a scaling size given twice, which made the run fail with EEXIST after compiling it twice", () => {
    expect(refused(["--check", "--engines=writ", "--unoptimized", "--scaling=10,10"])).toBe("--scaling names 10 rules twice, in `10,10`: give each size once");
    // the same number however written
    expect(refused(["--scaling=100,10,0100"])).toBe("--scaling names 100 rules twice, in `100,10,0100`: give each size once");
  });

  it("refuses a scaling size whose policy the parser would refuse, naming the largest it takes", () => {
    expect(MAX_SCALING_RULES).toBe(21_422);
    expect(taken([`--scaling=10,${MAX_SCALING_RULES}`]).scaling).toEqual([10, MAX_SCALING_RULES]);
    const largest = "the largest size allowed is 21,422 (a scaling policy of more rules has more than the 300,000 tokens the parser takes)";
    expect(refused([`--scaling=${MAX_SCALING_RULES + 1}`])).toBe(`--scaling: 21,423 rules is too many; ${largest}`);
    // a size that would have built 10^8 rules before the compiler refused it
    expect(refused(["--scaling=10,100000000"])).toBe(`--scaling: 100,000,000 rules is too many; ${largest}`);
  });

  it("refuses an option given twice, where the second won or dropped the first", () => {
    expect(refused(["--seed=1", "--seed=2"])).toBe("--seed is given twice (`--seed=1`, then `--seed=2`): give each option once");
    expect(refused(["--engines=writ", "--check", "--engines=cedar"])).toBe("--engines is given twice (`--engines=writ`, then `--engines=cedar`): give each option once");
    // --scaling and --scaling=… are one option
    expect(refused(["--scaling", "--scaling=10"])).toBe("--scaling is given twice (`--scaling`, then `--scaling=10`): give each option once");
    expect(refused(["--scaling=10", "--scaling=100"])).toMatch(/^--scaling is given twice/);
    expect(refused(["--when-quiet=8", "--when-quiet=9"])).toMatch(/^--when-quiet is given twice/);
    for (const flag of ["--quick", "--check", "--no-write", "--unoptimized"]) expect(refused([flag, "--seed=3", flag])).toBe(`${flag} is given twice (\`${flag}\`, then \`${flag}\`): give each option once`);
    // each once is taken
    expect(taken(["--seed=1", "--engines=writ", "--scaling=10", "--check", "--unoptimized", "--when-quiet=8"])).toMatchObject({ seed: 1, engines: ["writ"], scaling: [10], check: true });
  });

  it("refuses an empty engine name, which was dropped without a word", () => {
    for (const text of ["writ,,cedar", "writ,", ",writ"]) {
      expect(refused([`--engines=${text}`]), text).toBe(`--engines has an empty name in \`${text}\` (a comma too many): name each engine once, e.g. --engines=writ,cedar`);
    }
  });

  it("times Writ compiled at O0 (--unoptimized) only where the figures are not written", () => {
    expect(refused(["--unoptimized"])).toMatch(/^--unoptimized compiles Writ at O0, not as writ compile does \(O3\), so its figures are not to replace bench\/results\/: add --no-write \(or --check\)$/);
    expect(refused(["--unoptimized", "--seed=7"])).toMatch(/^--unoptimized/);
    // a run that writes nothing anyway may compile at O0
    expect(taken(["--unoptimized", "--quick"]).write).toBe(false);
    expect(taken(["--unoptimized", "--no-write"]).unoptimized).toBe(true);
    expect(taken(["--check", "--unoptimized"]).unoptimized).toBe(true);
  });

  it("writes bench/results/ only from a full run: a --quick run or a subset of the engines says why it does not", () => {
    expect(taken([])).toMatchObject({ write: true, notWritten: null });
    expect(taken(["--seed=7", "--scaling"])).toMatchObject({ write: true, notWritten: null });
    expect(taken(["--quick"])).toMatchObject({ write: false, notWritten: "a --quick run's figures are indicative only" });
    const left = ENGINE_ORDER.filter((e) => e !== "writ" && e !== "cedar");
    expect(taken(["--engines=writ,cedar"])).toMatchObject({ write: false, notWritten: `this run left out ${left.join(", ")}` });
    // every engine named, in any order, is a full run
    expect(taken([`--engines=${[...ENGINE_ORDER].reverse().join(",")}`])).toMatchObject({ write: true, notWritten: null });
    // told not to write, or only checking: nothing to explain
    expect(taken(["--quick", "--no-write"])).toMatchObject({ write: false, notWritten: null });
    expect(taken(["--check", "--engines=writ"])).toMatchObject({ write: false, notWritten: null });
  });

  it("prints its usage for --help, exit 0, where it refused --help as an unknown option", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    for (const arg of ["--help", "-h"]) {
      log.mockClear();
      expect(await main([arg])).toBe(0);
      expect(log.mock.calls).toEqual([[USAGE]]);
    }
    expect(USAGE).toMatch(/^usage: npm run bench -- \[options\]/);
    for (const option of ["--quick", "--check", "--no-write", "--engines=", "--seed=", "--unoptimized", "--scaling", "--when-quiet=", "--help"]) expect(USAGE).toContain(option);
    expect(refused(["--nope"])).toMatch(/^unknown option `--nope` \(known: .*--help\)$/);
  });
});
