// `writ compile <file.writ> [-o dir] [--sign key] [--emit ir] [--O0] [--max-cost N] [--max-diagnostics N]`: compile a
// policy to a bundle (`<name>.wasm` + `<name>.manifest.json`, and `<name>.manifest.jws` when signed).
//
// A fresh `writ compile` is dominated by AssemblyScript: loading asc and binaryen, and parsing asc's
// standard library. So the command starts that first, on a thread of its own (asc-thread.ts), and
// only then loads the front end and parses the policy; the generated source goes to the waiting
// thread. What only some runs need (signing, the IR printer) is loaded when asked for.

import { makeOutputDir } from "../output-dir.js";
import { givenPath } from "../../runtime/given-path.js";
import { existsSync } from "node:fs";
import { cancelPrestartedAsc, prestartAsc } from "./prestart.js";
import type { PrivateKey } from "../../runtime/trust/types.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flagString, parseArgs, refuseUsage, unknownFlags, type Command, emptyPathError } from "../io.js";
import { escapeControls } from "../../runtime/thrown.js";
import { maxCostUsage } from "./max-cost.js";
import { sourceOptions } from "./source-options.js";
import { maxDiagnosticsUsage } from "./max-diagnostics.js";
import { outputClash } from "./output-clash.js";

export const compileCommand: Command = {
  name: "compile",
  summary: "compile a policy to a WebAssembly decision module and manifest",
  usage: [
    "usage: writ compile <file.writ> [-o <dir>] [--sign <private key>] [--emit ir] [--O0] [--max-cost N] [--max-diagnostics N]",
    "",
    "Writes <name>.wasm and <name>.manifest.json into <dir> (default: the current directory).",
    "  -o, --out <dir>        output directory (created if missing)",
    "  --sign <key>           sign the manifest with this private key (writes <name>.manifest.jws)",
    "  --emit ir              also print the decision IR",
    "  --O0                   skip optimisation (faster compile, same decisions)",
    maxCostUsage(25),
    maxDiagnosticsUsage(25),
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args, ["O0"]);
    const unknown = unknownFlags(parsed, ["o", "out", "sign", "emit", "O0", "max-cost", "max-diagnostics"]);
    const problem = commandLineProblem("compile", parsed, unknown, { what: "<file.writ>", min: 1, max: 1 });
    // an unknown option is said first; then a bad value, before the arguments are counted (as check does)
    if (problem !== undefined && unknown.length > 0) return refuseUsage(io, this, problem);
    const options = sourceOptions(parsed, "compile");
    if (!options.ok) {
      io.err(options.message);
      return EXIT_USAGE;
    }
    if (problem !== undefined) return refuseUsage(io, this, problem);
    const empty = emptyPathError("compile", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    const file = parsed.positional[0]!;
    const emit = flagString(parsed, "emit");
    if (emit !== undefined && emit !== "ir") {
      io.err(`writ compile: --emit takes \`ir\` (the decision IR), not \`${emit}\``);
      return EXIT_USAGE;
    }
    const { maxCost, shown } = options;
    let key: PrivateKey | undefined;
    const keyFile = flagString(parsed, "sign");
    if (keyFile !== undefined) {
      const { loadPrivateKeyFile } = await import("../../runtime/trust/key-files.js");
      const loaded = loadPrivateKeyFile(givenPath(io.cwd, keyFile));
      if (!loaded.ok) {
        io.err(`writ compile: ${loaded.message}`);
        return EXIT_FAILURE;
      }
      key = loaded.key;
    }
    const optimize = !parsed.flags.has("O0");
    // asc starts now, beside the front end; the driver's backend picks this compile up
    prestartAsc(optimize);
    let result;
    try {
      const { compileFile, failed } = await import("./policy-source.js");
      result = await compileFile(io, "compile", file, { optimize, maxCost }, shown.render);
      if (failed(result) || !result?.bundle) return EXIT_FAILURE;
    } finally {
      cancelPrestartedAsc(); // the front end failed before it needed asc
    }
    const outDir = givenPath(io.cwd, flagString(parsed, "o", "out") ?? ".");
    if (!makeOutputDir(io, "compile", outDir)) return EXIT_FAILURE;
    const bundle = key ? (await import("../../runtime/trust/bundle.js")).signBundle(result.bundle, key) : result.bundle;
    const { bundlePaths, writeBundle } = await import("../../runtime/trust/bundle-files.js");
    const outputs = bundlePaths(outDir, bundle.manifest.name);
    // the bundle's files are named for the policy, known only now: one may be the very file read
    const reads = [{ what: "the policy source", given: file, path: givenPath(io.cwd, file) }];
    if (keyFile !== undefined) reads.push({ what: "the signing key", given: keyFile, path: givenPath(io.cwd, keyFile) });
    const clash = outputClash(reads, [outputs.module, outputs.manifest, outputs.signature]);
    if (clash !== undefined) {
      io.err(
        `writ compile: refusing to write the bundle: ${clash.output} is ${clash.read.given}, ${clash.read.what}, which it would replace; give another -o, or move ${clash.read.given} out of the way (a bundle's files are named for its policy: <name>.wasm, <name>.manifest.json, <name>.manifest.jws)`,
      );
      return EXIT_FAILURE;
    }
    let written: string[];
    let staleSignature: string | undefined;
    try {
      // an unsigned bundle written over a signed one takes its old signature away (writeBundle): say so
      const signature = outputs.signature;
      if (bundle.signature === undefined && existsSync(signature)) staleSignature = signature;
      written = writeBundle(outDir, bundle);
    } catch (e) {
      io.err(`writ compile: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT_FAILURE;
    }
    // the bundle is written before anything is printed: should standard output fail, the message
    // says what was written (and removed), where it would otherwise say nothing of it
    const done = `the bundle was written: ${written.join(", ")}${staleSignature === undefined ? "" : `; ${staleSignature} was removed`}`;
    if (emit === "ir" && result.ir) {
      const { printPolicy } = await import("../../compiler/ir/print.js");
      io.out(printPolicy(result.ir), done);
    }
    const m = bundle.manifest;
    // how many rules an index dispatches: a large policy whose rules do not index decides in time
    // proportional to its size (docs/language.md, "Rules that scale")
    const indexed = result.indexedRules === undefined ? "" : ` (${result.indexedRules} indexed)`;
    io.out(`compiled ${m.name} ${escapeControls(m.version)}: ${m.rules.length} rule${m.rules.length === 1 ? "" : "s"}${indexed}, ${bundle.module.length} bytes, cost bound ${m.costBound}`, done);
    io.out(`  sha3-512    ${m.digests.sha3_512}`);
    io.out(`  blake2b-512 ${m.digests.blake2b_512}`);
    if (key) io.out(`  signed by   ${key.keyId}`);
    for (const p of written) io.out(`  wrote ${p}`);
    if (staleSignature !== undefined) io.out(`  removed ${staleSignature} (it signed the manifest this one replaces; sign the new one with --sign or writ sign)`);
    return EXIT_OK;
  },
};
