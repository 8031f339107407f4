// The command table. Each command lives in its own file; add it here to make it reachable.

import type { Command } from "../io.js";

export const commands: readonly Command[] = [];
