// The engine registry: every engine the benchmark knows, in the order tables and charts show them.

import type { Engine } from "./types.js";
import { createJsIfElseEngine } from "./js-ifelse.js";
import { createJsValidatedEngine } from "./js-validated.js";
import { createJsClosuresEngine } from "./js-closures.js";
import { createCelEngine } from "./cel.js";
import { createCasbinEngine } from "./casbin.js";
import { createCedarEngine } from "./cedar.js";
import { createWritEngine, createWritEvalEngine, type WritBundles } from "./writ.js";

export const ENGINE_ORDER = ["writ", "writ-eval", "js-ifelse", "js-validated", "js-closures", "cel-js", "casbin", "cedar"] as const;
export type EngineName = (typeof ENGINE_ORDER)[number];

export function isEngineName(name: string): name is EngineName {
  return (ENGINE_ORDER as readonly string[]).includes(name);
}

/** A requested engine that was not created, and why: it can be neither checked nor timed. */
export interface MissingEngine {
  readonly engine: EngineName;
  readonly why: string;
}

export interface CreatedEngines {
  readonly engines: Engine[];
  /** every requested engine that is not among `engines`, each with why */
  readonly missing: MissingEngine[];
}

/** Writ's compiled bundles, or why there are none (Writ did not compile). */
export type WritSupply = { readonly bundles: WritBundles } | { readonly missing: string };

/**
 * Creates the requested engines (in ENGINE_ORDER). Writ's are made from `writ`'s bundles; without
 * them each Writ engine requested is reported missing with `writ`'s reason, as is one that cannot
 * be made: a requested engine is never left out without a word.
 */
export async function createEngines(names: readonly EngineName[], writ: WritSupply): Promise<CreatedEngines> {
  const engines: Engine[] = [];
  const missing: MissingEngine[] = [];
  for (const name of ENGINE_ORDER) {
    if (!names.includes(name)) continue;
    switch (name) {
      case "writ":
        if ("missing" in writ) missing.push({ engine: name, why: writ.missing });
        else engines.push(createWritEngine(writ.bundles));
        break;
      case "writ-eval": {
        if ("missing" in writ) {
          missing.push({ engine: name, why: writ.missing });
          break;
        }
        const e = await createWritEvalEngine(writ.bundles);
        if (e === null) missing.push({ engine: name, why: "the WASM evaluator has no encode()/evaluateEncoded() pair" });
        else engines.push(e);
        break;
      }
      case "js-ifelse":
        engines.push(createJsIfElseEngine());
        break;
      case "js-validated":
        engines.push(createJsValidatedEngine());
        break;
      case "js-closures":
        engines.push(createJsClosuresEngine());
        break;
      case "cel-js":
        engines.push(createCelEngine());
        break;
      case "casbin":
        engines.push(createCasbinEngine());
        break;
      case "cedar":
        engines.push(createCedarEngine());
        break;
    }
  }
  return { engines, missing };
}
