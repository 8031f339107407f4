// `npm run conformance -- [dir-or-file] [--interp-only] [--optimize] [--quiet] [--list-passing]`: runs the CEL conformance files
// through both backends and prints, per file, passed / unsupported / failed, each unsupported case's
// feature and each failure's expression, expected and actual result; then a total. Exit status 1 if
// any case failed, 2 if the path cannot be read or holds no case at all (an empty directory, or a
// file whose tests are all misspelt, would otherwise pass with nothing checked). `--interp-only`
// skips the WASM backend (and AssemblyScript); `--optimize` compiles modules at O3, as shipped,
// instead of the faster O0. `--list-passing` prints, instead of the report (which goes to stderr),
// the ids of the cases that passed, for test/conformance/passing-cases.txt (runner.ts,
// formatPassingList); it needs both backends, as a pass means both.
//
// The default directory is `../shared/cel-spec/testdata` relative to the package root (found by
// walking up from this file, so it works from `compiler/` under tsx and from `dist/compiler/`), or,
// when that is absent, the copy in test/cel-spec/testdata. The report's first line says which.

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { defaultConformanceDir, formatPassingList, formatReport, runConformance } from "./runner.js";

async function main(argv: readonly string[]): Promise<number> {
  const flags = argv.filter((a) => a.startsWith("--"));
  const paths = argv.filter((a) => !a.startsWith("--"));
  const unknown = flags.filter((f) => !["--interp-only", "--optimize", "--quiet", "--list-passing"].includes(f));
  if (unknown.length > 0 || paths.length > 1) {
    process.stderr.write("usage: conformance [dir-or-file] [--interp-only] [--optimize] [--quiet] [--list-passing]\n");
    return 2;
  }
  const listPassing = flags.includes("--list-passing");
  if (listPassing && flags.includes("--interp-only")) {
    process.stderr.write("conformance: --list-passing needs both backends (a case passes only when both agree with CEL)\n");
    return 2;
  }
  const dir = paths[0] !== undefined ? { path: resolve(paths[0]), bundled: false } : defaultConformanceDir();
  const path = dir.path;
  if (!existsSync(path)) {
    process.stderr.write(`conformance: \`${path}\` does not exist\n`);
    return 2;
  }
  const wasm = !flags.includes("--interp-only");
  // loaded after the arguments are checked: the parser and (with wasm) AssemblyScript take a while
  const { realBackends } = await import("./backends.js");
  const report = await runConformance(path, await realBackends({ wasm, optimize: flags.includes("--optimize") }), { wasm });
  const source = dir.bundled ? " (the bundled copy: ../shared/cel-spec/testdata is absent)" : "";
  const text = `conformance files: ${path}${source}\n` + formatReport(report, { verbose: !flags.includes("--quiet") }) + "\n";
  if (listPassing) {
    process.stdout.write(formatPassingList(report));
    process.stderr.write(text);
  } else {
    process.stdout.write(text);
  }
  if (report.cases === 0) {
    const files = report.files.length;
    process.stderr.write(`conformance: no test cases found in \`${path}\` (${files} .textproto file${files === 1 ? "" : "s"})\n`);
    return 2;
  }
  return report.failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  // exit only once stdout has drained, so a long report through a pipe is not cut short
  (code) => process.stdout.write("", () => process.exit(code)),
  (e: unknown) => {
    process.stderr.write(`conformance: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(2);
  },
);
