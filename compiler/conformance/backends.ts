// The real backends for the conformance runner: Writ's expression parser, the compile driver (at O0,
// since asc's optimiser changes nothing observable and costs time), the reference interpreter, and the
// WASM module loaded through the runtime exactly as a host would (unsigned bundles allowed: these
// policies are built on the fly).

import { compilePolicy, createInterpreter, evaluateNode, parseExpression } from "../index.js";
import { loadPolicy } from "../../runtime/index.js";
import { requestToValue } from "../../runtime/request.js";
import { Err } from "../ir/interp.js";
import type { Backends } from "./runner.js";
import type { ExpressionParser } from "./classify.js";

/** Writ's CEL expression parser, as the classifier wants it: an AST or the first syntax error. */
export const writExpressionParser: ExpressionParser = (text) => {
  const r = parseExpression(text);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || r.expr === undefined) return { parseError: errors[0]?.message ?? "no expression" };
  return { expr: r.expr };
};

export function realBackends(): Backends {
  return {
    parseExpression: writExpressionParser,
    async compile(source, fileName) {
      // the cost budget is not what conformance measures: lift it
      const r = await compilePolicy(source, { fileName, optimize: false, maxCost: Number.MAX_SAFE_INTEGER });
      return { ir: r.ir, errorSites: r.checked?.errorSites, bundle: r.bundle, diagnostics: r.diagnostics };
    },
    interpret(ir, errorSites, request) {
      return createInterpreter(ir, errorSites).decide(request);
    },
    loadWasm(bundle) {
      return loadPolicy(bundle, { allowUnsigned: true });
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
