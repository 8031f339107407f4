// The engine registry: every engine the benchmark knows, in the order tables and charts show them.

import type { Engine } from "./types.js";
import { createJsIfElseEngine } from "./js-ifelse.js";
import { createJsClosuresEngine } from "./js-closures.js";
import { createCelEngine } from "./cel.js";
import { createCasbinEngine } from "./casbin.js";
import { createCedarEngine } from "./cedar.js";
import { createWritEngine, createWritEvalEngine, type WritBundles } from "./writ.js";

export const ENGINE_ORDER = ["writ", "writ-eval", "js-ifelse", "js-closures", "cel-js", "casbin", "cedar"] as const;
export type EngineName = (typeof ENGINE_ORDER)[number];

export function isEngineName(name: string): name is EngineName {
  return (ENGINE_ORDER as readonly string[]).includes(name);
}

export interface CreatedEngines {
  readonly engines: Engine[];
  /** why a requested engine is not there */
  readonly notes: string[];
}

/** Creates the requested engines (in ENGINE_ORDER); Writ's need `bundles`. */
export async function createEngines(names: readonly EngineName[], bundles: WritBundles | null): Promise<CreatedEngines> {
  const engines: Engine[] = [];
  const notes: string[] = [];
  for (const name of ENGINE_ORDER) {
    if (!names.includes(name)) continue;
    switch (name) {
      case "writ":
        if (bundles === null) notes.push("writ: no compiled bundles (see the parent's note)");
        else engines.push(createWritEngine(bundles));
        break;
      case "writ-eval": {
        if (bundles === null) break;
        const e = await createWritEvalEngine(bundles);
        if (e === null) notes.push("writ-eval: the WASM evaluator has no encode()/evaluateEncoded() pair");
        else engines.push(e);
        break;
      }
      case "js-ifelse":
        engines.push(createJsIfElseEngine());
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
  return { engines, notes };
}
