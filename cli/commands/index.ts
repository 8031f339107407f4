// The command table. Each command lives in its own file; add it here to make it reachable.

import type { Command } from "../io.js";
import { checkCommand } from "./check.js";
import { compileCommand } from "./compile.js";
import { evalCommand } from "./eval.js";
import { fmtCommand } from "./fmt.js";
import { testCommand } from "./test.js";

export const commands: readonly Command[] = [compileCommand, checkCommand, evalCommand, testCommand, fmtCommand];
