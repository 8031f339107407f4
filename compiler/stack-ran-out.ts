// The host's stack running out while the compiler works on a policy (W0905). Every stage walks a
// policy's expressions recursively: the parser, the checker, the cost bound, the layout, the code
// generator and asc each take a few frames per level of an expression. Within the language's limits
// (W0104: 100 levels of brackets, expression trees 500 deep) a default Node stack has room for all
// of them, but a smaller one (`node --stack-size`), or a synchronous call made from deep inside the
// host's own stack, may not. Where it runs out, the compile answers with W0905 and no bundle, never
// with an exception and never with another module: the same source on any host either compiles to
// the same bundle or gets W0905. It is the host's condition, not the policy's (another stack
// compiles it), so a result holding it is not cached (diagnostics.ts).

import type { Diagnostic } from "./diagnostics.js";
import type { Stage } from "./options.js";
import { NO_SPAN } from "./source.js";

export const STACK_RAN_OUT = "W0905";

/** Where the stack ran out: a stage of the compile, or writing the manifest between codegen and validate. */
export type StackStage = Stage | "manifest";

const DOING: Readonly<Record<StackStage, string>> = {
  parse: "parsing",
  check: "checking",
  cost: "bounding the cost of",
  plan: "planning the module of",
  codegen: "generating the module of",
  manifest: "writing the manifest of",
  validate: "validating the module of",
};

const HELP =
  "the policy is within the language's nesting limits (W0104), and compiles with more stack: run Node with a larger `--stack-size` (or call the compiler from a shallower stack), or nest its expressions less deeply";

function build(stage: StackStage): Diagnostic {
  return Object.freeze({
    code: STACK_RAN_OUT,
    severity: "error",
    message: `the host's stack ran out while the compiler was ${DOING[stage]} this policy`,
    // the start of the text: it is no one place of the policy's that is at fault
    span: NO_SPAN,
    help: HELP,
  });
}

/**
 * W0905 for each stage, built beforehand and frozen: where the stack has just run out, a handler
 * running at the same depth may not have room to build even an object (runtime/stack-ran-out.ts).
 */
export const STACK_RAN_OUT_IN: Readonly<Record<StackStage, Diagnostic>> = Object.freeze({
  parse: build("parse"),
  check: build("check"),
  cost: build("cost"),
  plan: build("plan"),
  codegen: build("codegen"),
  manifest: build("manifest"),
  validate: build("validate"),
});

/** W0905 for `stage`, as a copy of its own (a caller may be handed it and keep it). */
export function stackRanOut(stage: StackStage): Diagnostic {
  return { ...STACK_RAN_OUT_IN[stage] };
}
