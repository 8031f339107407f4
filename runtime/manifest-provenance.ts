// The manifest's members besides its decision-bearing part: the compiler that wrote it (and whether
// it optimised the module), the source's digest, the cost bound and each rule's place in the source.
// The cost bound and `compiler.optimize` are bound to the module (manifest-binding.ts); the
// compiler's version, the source digest and the rules' lines and columns are provenance, which the
// module's digest does not vouch for (a signature does, and `writ sign --source` checks them against
// the source). Hosts read them all (the cost bound as the policy's worst case, the lines in messages,
// the source digest to find the source), and a manifest that states them wrongly, or not at all, is
// not one the compiler wrote: it is refused as malformed rather than read as whatever it holds. They
// are checked before the binding, so that a member of the wrong type is named as such.
//
// The compiler's name is "writ", the only compiler that writes these manifests: a manifest naming
// another claims a provenance no writ compiler gave it. A `writ-manifest/1` manifest's compiler is
// `{ name, version }`: the earlier compilers wrote no `optimize`, and a replay reads such a manifest.

import { MANIFEST_FORMAT_1, type Manifest } from "./manifest.js";
import { MAX_SHOWN_NAME } from "./shown-name.js";
import { clip, escapeControls, shownOption } from "./thrown.js";

/** The name every writ compiler writes in the manifest's `compiler.name` (docs/abi.md). */
export const COMPILER_NAME = "writ";

const HEX_128 = /^[0-9a-f]{128}$/;

/** What is wrong with the manifest's provenance members, or undefined when each is as docs/abi.md describes it. */
export function provenanceProblem(manifest: Manifest): string | undefined {
  // the cost bound is read as the policy's worst case: a whole number, as the compiler writes it,
  // not the null JSON makes of Infinity
  const { costBound, compiler, sourceDigest, rules } = manifest;
  if (!Number.isSafeInteger(costBound) || costBound < 0)
    return `the manifest's costBound ${typeof costBound === "number" ? costBound : shownOption(costBound)} is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`;
  const compilerProblem = compilerShapeProblem(manifest.format, compiler);
  if (compilerProblem !== undefined) return compilerProblem;
  if (typeof sourceDigest !== "string" || !HEX_128.test(sourceDigest))
    return `the manifest's sourceDigest (${shownOption(sourceDigest)}) is not a SHA3-512 in 128 lowercase hex digits`;
  if (!Array.isArray(rules)) return undefined; // (the binding and the evaluator name what is wrong with the rules)
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (typeof rule !== "object" || rule === null) continue; // (as above)
    for (const member of ["line", "column"] as const) {
      const at = rule[member];
      if (!Number.isSafeInteger(at) || at < 1) return `the manifest's rules[${i}].${member} ${typeof at === "number" ? at : shownOption(at)} is not a whole number from 1`;
    }
  }
  return undefined;
}

/** What is wrong with the manifest's `compiler`, as its format has it, or undefined. */
function compilerShapeProblem(format: string, compiler: Manifest["compiler"]): string | undefined {
  const earlier = format === MANIFEST_FORMAT_1;
  if (typeof compiler !== "object" || compiler === null || typeof compiler.name !== "string" || typeof compiler.version !== "string" || (!earlier && typeof compiler.optimize !== "boolean"))
    return earlier
      ? "the manifest's compiler is not `{ name, version }` with both strings"
      : "the manifest's compiler is not `{ name, version, optimize }` with two strings and a boolean";
  if (compiler.name !== COMPILER_NAME)
    // quoted whole, escaped and cut: anyone's text (a line end in it must not print a line of its own)
    return `the manifest's compiler.name is ${escapeControls(JSON.stringify(clip(compiler.name, MAX_SHOWN_NAME)))}, not "${COMPILER_NAME}": writ's compiler writes its own name there, so a manifest naming another compiler is not one it wrote`;
  return undefined;
}
