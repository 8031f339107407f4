// Chevrotain, loaded from its single-file ES module build.
//
// The package entry (`lib/src/api.js`) pulls in about a hundred modules of Chevrotain and
// lodash-es: importing it takes 0.6-1.4 s on the 2-core machine, most of a fresh `writ compile`'s
// budget. The same release ships `lib/chevrotain.mjs`, one self-contained file with the same
// exports, which loads in about 50 ms. The package's export map does not list that file, so it is
// located next to the resolved entry; if that ever fails, the ordinary entry is used.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Chevrotain from "chevrotain";

async function load(): Promise<typeof Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve("chevrotain"); // …/chevrotain/lib/src/api.js
    return (await import(pathToFileURL(join(dirname(entry), "..", "chevrotain.mjs")).href)) as typeof Chevrotain;
  } catch {
    return await import("chevrotain");
  }
}

const chevrotain = await load();

export const createToken: typeof Chevrotain.createToken = chevrotain.createToken;
export const Lexer: typeof Chevrotain.Lexer = chevrotain.Lexer;
export const CstParser: typeof Chevrotain.CstParser = chevrotain.CstParser;
export const EOF: typeof Chevrotain.EOF = chevrotain.EOF;
export const tokenMatcher: typeof Chevrotain.tokenMatcher = chevrotain.tokenMatcher;
