// The command table. Each command lives in its own file; add it here to make it reachable.

import type { Command } from "../io.js";
import { auditCommand } from "./audit.js";
import { authorizeCommand } from "./authorize.js";
import { benchCommand } from "./bench.js";
import { checkCommand } from "./check.js";
import { compileCommand } from "./compile.js";
import { evalCommand } from "./eval.js";
import { keygenCommand } from "./keygen.js";
import { replayCommand } from "./replay.js";
import { signCommand } from "./sign.js";
import { fmtCommand } from "./fmt.js";
import { testCommand } from "./test.js";
import { verifyCommand } from "./verify.js";

export const commands: readonly Command[] = [compileCommand, checkCommand, evalCommand, testCommand, benchCommand, fmtCommand, keygenCommand, signCommand, authorizeCommand, verifyCommand, replayCommand, auditCommand];
