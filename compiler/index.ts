// The public compiler API: compile a policy to a bundle, or stop at any stage.

export { compilePolicy, compilerVersion, STAGES, type Stage, type CompileOptions, type CompileResult } from "./driver.js";
export {
  createBackgroundCompiler,
  MIN_WORKER_STACK_MB,
  MAX_WORKER_STACK_MB,
  MIN_WORKER_CODE_RANGE_MB,
  MAX_WORKER_CODE_RANGE_MB,
  STARTUP_TIMEOUT_MS,
  DEFAULT_CACHE_BYTES,
  type BackgroundCompiler,
  type BackgroundCompilerOptions,
  type CompiledInWorker,
} from "./worker.js";
export { type Diagnostic, type RenderOptions, MAX_DIAGNOSTICS, renderDiagnostic, renderDiagnostics, hasErrors } from "./diagnostics.js";
export type { SourceFile, Span } from "./source.js";
export { parsePolicy, parseExpression, formatPolicy } from "./syntax/index.js";
export { checkPolicy, type CheckedPolicy, type CheckOptions, type PolicyTest } from "./check/policy.js";
export { createInterpreter, evaluateNode, type Interpreter } from "./ir/interp.js";
export { printPolicy } from "./ir/print.js";
export type { IRPolicy } from "./ir/ir.js";
