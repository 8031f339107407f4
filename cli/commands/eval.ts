// `writ eval <file.writ | bundle dir> --input <request.json | -> [--backend wasm|interp] [--pub keys]
// [--allow] [--max-cost N] [--max-diagnostics N]`: decide one request and print the decision as JSON.
//
// On a .writ file with the WASM backend it compiles first; like `writ compile`, it starts
// AssemblyScript on its thread before loading the front end (prestart.ts), so the compiler and the
// runtime are imported only once the command knows what it needs.

import type { Decision } from "../../runtime/decision.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flagString, parseArgs, printJson, refuseUsage, unknownFlags, type CliIO, type Command, emptyPathError } from "../io.js";
import { isBundlePath, loadBundleDirectory, refusePubWithoutBundle } from "./bundle-dir.js";
import { maxCostUsage } from "./max-cost.js";
import { sourceOptions } from "./source-options.js";
import { maxDiagnosticsUsage, maxDiagnosticsWithBundle } from "./max-diagnostics.js";
import type { RenderOptions } from "../../compiler/diagnostics.js";
import { prestartAsc, cancelPrestartedAsc } from "./prestart.js";
import { readRequestJson } from "./request-json.js";

export const evalCommand: Command = {
  name: "eval",
  summary: "decide one request and print the decision as JSON",
  usage: [
    "usage: writ eval <file.writ | bundle dir> --input <request.json | -> [--backend wasm|interp] [--pub <key>[,<key>...]] [--allow] [--max-cost N] [--max-diagnostics N]",
    "",
    "  -i, --input <file>   the request as JSON (`-` reads standard input)",
    "  --backend            wasm (default: the compiled module) or interp (the reference interpreter;",
    "                       needs a .writ file)",
    "  --pub <files>        trusted public keys (JWK or SPKI PEM), comma-separated: a bundle directory",
    "                       loads only if one of them signed it (without --pub, only an unsigned one)",
    "  --allow              exit 1 on a deny too (the decision is printed all the same): a gate",
    "                       before an action, `writ eval p.writ -i req.json --allow && run`",
    maxCostUsage(23, " of a .writ file"),
    maxDiagnosticsUsage(23),
    "",
    "Exit status: 0 when the request was decided (allow or deny; with --allow, an allow only), 1 when",
    "it could not be (with --allow, a deny too), 2 bad usage (as an option its target has no use for:",
    "--max-cost, --max-diagnostics or --backend interp with a bundle directory, --pub with a .writ file).",
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args, ["allow"]);
    const unknown = unknownFlags(parsed, ["input", "i", "backend", "pub", "allow", "max-cost", "max-diagnostics"]);
    const inputFile = flagString(parsed, "input", "i");
    const backend = flagString(parsed, "backend") ?? "wasm";
    const problem = commandLineProblem("eval", parsed, unknown, { what: "<file.writ | bundle dir>", min: 1, max: 1 }, ["input"]);
    // an unknown option is said first; then a bad value, before the arguments are counted:
    // `--max-cost p.writ` took the file for the value, and "missing <file.writ>" would not say why
    if (problem !== undefined && unknown.length > 0) return refuseUsage(io, this, problem);
    const options = sourceOptions(parsed, "eval");
    if (!options.ok) {
      io.err(options.message);
      return EXIT_USAGE;
    }
    if (problem !== undefined || inputFile === undefined) return refuseUsage(io, this, problem ?? "--input is required");
    if (backend !== "wasm" && backend !== "interp") {
      io.err(`writ eval: --backend is wasm or interp, not \`${backend}\``);
      return EXIT_USAGE;
    }
    const empty = emptyPathError("eval", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    const { maxCost, shown } = options;
    // the policy first, as the command line names it: with both missing, the policy is said
    const chosen = await decider(io, parsed.positional[0]!, { backend, pub: flagString(parsed, "pub"), maxCost, shown });
    if (typeof chosen === "number") return chosen;
    const request = await readRequestJson(io, inputFile);
    if (!request.ok) {
      io.err(`writ eval: ${request.message}`);
      return EXIT_FAILURE;
    }
    const decision = chosen.decide(request.value);
    printJson(io, decision);
    // `at` is an offset into the source: with the source at hand, say where that is
    if (chosen.source) {
      const { lineColOf } = await import("../../compiler/source.js");
      const { name, text } = chosen.source;
      for (const e of decision.errors) {
        if (e.rule === null || !("at" in e) || !(e.at >= 0 && e.at <= text.length)) continue;
        const { line, column } = lineColOf(text, e.at);
        io.err(`writ eval: rule ${e.rule}: ${e.code} at ${name}:${line}:${column}`);
      }
    }
    // a shell gate (`&& run`) must not go on after a deny: asked for, a deny is a failure
    if (parsed.flags.has("allow") && decision.decision !== "allow") {
      io.err("writ eval: denied (--allow)");
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  },
};

/** How to decide, and the policy source when it was compiled here (to place errors' `at` in it). */
interface Decider {
  decide(r: unknown): Decision;
  readonly source?: { readonly name: string; readonly text: string };
}

/** What the command line asked for besides the target. */
interface EvalChoices {
  readonly backend: string;
  readonly pub: string | undefined;
  readonly maxCost: number | undefined;
  /** how many of a .writ source's diagnostics are printed, and whether --max-diagnostics was given */
  readonly shown: { readonly render: RenderOptions; readonly given: boolean };
}

/** How to decide the request, or the exit status when there is no way (the reason is printed). */
async function decider(io: CliIO, target: string, { backend, pub, maxCost, shown }: EvalChoices): Promise<Decider | number> {
  if (isBundlePath(io, target)) {
    if (backend === "interp") {
      io.err("writ eval: --backend interp needs the policy's .writ source, not a bundle directory");
      return EXIT_USAGE;
    }
    if (maxCost !== undefined) {
      // a bundle was compiled under its budget already (its cost bound is in its manifest): ignoring
      // the option would let the caller believe it was applied
      io.err("writ eval: --max-cost is the budget a .writ source is compiled under; a bundle directory is compiled already");
      return EXIT_USAGE;
    }
    if (shown.given) {
      io.err(maxDiagnosticsWithBundle("eval"));
      return EXIT_USAGE;
    }
    const policy = await loadBundleDirectory(io, "eval", target, pub);
    return typeof policy === "number" ? policy : { decide: (r) => policy.decide(r) };
  }
  if (pub !== undefined) return refusePubWithoutBundle(io, "eval", target);
  if (backend === "wasm") prestartAsc(true);
  let result;
  try {
    const { compileFile, failed } = await import("./policy-source.js");
    result = await compileFile(io, "eval", target, { stopAfter: backend === "interp" ? "plan" : undefined, maxCost }, shown.render);
    if (failed(result) || !result) return EXIT_FAILURE;
  } finally {
    cancelPrestartedAsc(); // unused when the front end failed
  }
  if (backend === "interp") {
    const { createInterpreter } = await import("../../compiler/ir/interp.js");
    const interpreter = createInterpreter(result.checked!.ir, result.checked!.errorSites);
    return { decide: (r) => interpreter.decide(r), source: result.source };
  }
  const { tryLoadPolicy } = await import("../../runtime/policy.js");
  const loaded = tryLoadPolicy(result.bundle!, { allowUnsigned: true });
  if (!loaded.ok) {
    io.err(`writ eval: ${loaded.error.message}`);
    return EXIT_FAILURE;
  }
  return { decide: (r) => loaded.policy.decide(r), source: result.source };
}
