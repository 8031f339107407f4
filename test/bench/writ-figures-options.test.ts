// bench/writ-figures.ts's options and what it writes: a mistyped option is refused with its usage
// (it started a full run), and a --quick run's figures, indicative only, are printed and never
// written where the README includes them. Nothing here measures a figure.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FIGURES_USAGE, main, parseFiguresOptions, reportFigures, type Figure, type FiguresMeta } from "../../bench/writ-figures.js";
import { tempDir } from "../support/temp-dir.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const meta = (quick: boolean): FiguresMeta => ({ date: "2026-11-30T10:00:00.000Z", node: "v20.20.2", cpu: "a CPU", cores: 2, memoryGiB: 4, nativeEd25519: "libsodium", quick });
const figures: Figure[] = [{ what: "verify an artifact, native", value: 55.4, unit: "µs", target: "≤ 150 µs" }];

describe("writ-figures' options", () => {
  it("takes --quick once, and refuses anything else", () => {
    expect(parseFiguresOptions([])).toEqual({ quick: false });
    expect(parseFiguresOptions(["--quick"])).toEqual({ quick: true });
    expect(parseFiguresOptions(["--quik"])).toBe("unknown option `--quik` (known: --quick, --help)");
    expect(parseFiguresOptions(["--quick", "--seed=1"])).toBe("unknown option `--seed=1` (known: --quick, --help)");
    expect(parseFiguresOptions(["--quick", "--quick"])).toBe("--quick is given twice: give it once");
  });

  it("exits 2 with its usage on an unknown option, before measuring anything, and prints the usage for --help", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(await main(["--quik"])).toBe(2);
    expect(err.mock.calls).toEqual([[`writ-figures: unknown option \`--quik\` (known: --quick, --help)\n${FIGURES_USAGE}`]]);
    expect(log).not.toHaveBeenCalled();
    expect(await main(["--help"])).toBe(0);
    expect(log.mock.calls).toEqual([[FIGURES_USAGE]]);
    expect(FIGURES_USAGE).toMatch(/^usage: node --expose-gc dist\/bench\/writ-figures\.js \[--quick\]/);
  });
});

describe("writ-figures' results", () => {
  it("prints a --quick run's figures and writes nothing, saying so", () => {
    const dir = tempDir("figures-quick");
    const printed: string[] = [];
    const logged: string[] = [];
    expect(reportFigures(meta(true), figures, dir, (t) => printed.push(t), (l) => logged.push(l))).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    expect(printed.join("\n")).toContain("| verify an artifact, native | 55 µs | ≤ 150 µs |");
    expect(logged).toEqual(["writ figures: a --quick run's figures are indicative only: printed, not written (bench/results/ left as it was)"]);
  });

  it("writes a full run's figures, as the README includes them", () => {
    const dir = tempDir("figures-full");
    const logged: string[] = [];
    const files = reportFigures(meta(false), figures, dir, () => {}, (l) => logged.push(l));
    expect(files).toEqual([join(dir, "writ-figures.json"), join(dir, "writ-figures.md")]);
    expect(JSON.parse(readFileSync(files[0]!, "utf8"))).toMatchObject({ quick: false, figures });
    expect(readFileSync(files[1]!, "utf8")).toContain("Measured 2026-11-30 on a CPU (2 cores), Node v20.20.2; native Ed25519: libsodium.");
    expect(existsSync(files[1]!)).toBe(true);
    expect(logged).toEqual([`writ figures: wrote ${files.join(", ")}`]);
    // with the commit measured, as latest.json gives it
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const committed = reportFigures({ ...meta(false), commit: { sha, dirty: true } }, figures, dir, () => {}, () => {});
    expect(JSON.parse(readFileSync(committed[0]!, "utf8"))).toMatchObject({ commit: { sha, dirty: true } });
    expect(readFileSync(committed[1]!, "utf8")).toContain("Measured 2026-11-30 at commit 0123456789 (with uncommitted changes) on a CPU (2 cores)");
  });
});
