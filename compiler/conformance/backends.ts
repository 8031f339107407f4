// The real backends for the conformance runner: Writ's expression parser, the compile driver (at O0
// unless asked for O3, the level modules ship at), the reference interpreter, and the
// WASM module loaded through the runtime exactly as a host would (unsigned bundles allowed: these
// policies are built on the fly). With `wasm: false` only the parse and check stages run, and neither
// AssemblyScript nor the WASM runtime is loaded.

import { parseExpression, parsePolicy } from "../syntax/index.js";
import { checkPolicy } from "../check/policy.js";
import { hasErrors } from "../diagnostics.js";
import { createInterpreter, evaluateNode, Err } from "../ir/interp.js";
import { requestToValue } from "../../runtime/request.js";
import type { Backends } from "./runner.js";
import type { ExpressionParser } from "./classify.js";

/** Writ's CEL expression parser, as the classifier wants it: an AST or the first syntax error. */
export const writExpressionParser: ExpressionParser = (text) => {
  const r = parseExpression(text);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) return { parseError: errors[0]!.message };
  return { expr: r.expr };
};

/**
 * `wasm`: compile to WebAssembly and decide there too (else parse and check only).
 * `optimize`: asc at O3, as `writ compile` ships modules, rather than O0 (faster to compile).
 */
export async function realBackends(options: { wasm: boolean; optimize?: boolean }): Promise<Backends> {
  // loaded only when needed: the driver pulls in AssemblyScript (about 0.6 s to import)
  const driver = options.wasm ? await import("../driver.js") : undefined;
  const runtime = options.wasm ? await import("../../runtime/policy.js") : undefined;
  return {
    parseExpression: writExpressionParser,
    async compile(source, fileName) {
      if (driver) {
        // the cost budget is not what conformance measures: lift it
        const r = await driver.compilePolicy(source, { fileName, optimize: options.optimize ?? false, maxCost: Number.MAX_SAFE_INTEGER });
        return { ir: r.ir, errorSites: r.checked?.errorSites, bundle: r.bundle, diagnostics: r.diagnostics };
      }
      const parsed = parsePolicy({ name: fileName, text: source });
      const checked = checkPolicy(parsed.ast, { syntaxErrors: hasErrors(parsed.diagnostics) });
      return {
        ir: checked.policy?.ir,
        errorSites: checked.policy?.errorSites,
        diagnostics: [...parsed.diagnostics, ...checked.diagnostics],
      };
    },
    interpret(ir, errorSites, request) {
      return createInterpreter(ir, errorSites).decide(request);
    },
    loadWasm(bundle) {
      if (!runtime) throw new Error("the WASM backend was not loaded");
      return runtime.loadPolicy(bundle, { allowUnsigned: true });
    },
    directValue(ir, rule, request) {
      const r = ir.rules.find((x) => x.name === rule);
      const cond = r?.condition;
      if (!cond || cond.op !== "call" || cond.fn !== "eq") return undefined;
      const value = evaluateNode(cond.args[0]!, requestToValue(request, ir.schema));
      return value instanceof Err ? { error: value.code } : { value };
    },
  };
}
