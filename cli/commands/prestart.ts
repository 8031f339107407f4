// A fresh compile is dominated by AssemblyScript (loading asc and binaryen, parsing its standard
// library). Commands that will compile start it first, on a thread of its own (asc-thread.ts), and
// only then load the front end and parse the policy; the driver's backend picks the started compile
// up. Keep this module's imports light: it runs before everything else a command needs.

import { ascThreadSettings, cancelPrestartedCompile, prestartCompile } from "../../compiler/backend/asc.js";
import { startCompileThread } from "../../compiler/backend/asc-thread.js";
import { CONST_BASE } from "../../compiler/backend/codegen-values.js";

/** Starts asc now for the next compile at this optimisation level. */
export function prestartAsc(optimize: boolean): void {
  const moduleOptions = { memoryBase: CONST_BASE, optimize };
  prestartCompile(moduleOptions, startCompileThread(moduleOptions, ascThreadSettings()));
}

/** Stops a started compile that nobody used (the front end failed first). */
export const cancelPrestartedAsc = cancelPrestartedCompile;
