// The names the backend gives what it generates and numbers: locals (temporaries, a macro's index and
// element, an index's key, list and count) and functions (rules, split parts, helpers, checks).
//
// Each is a kind and a number joined by an underscore: `t_12`, `i_64`, `r_3`. A name of letters and
// digits alone can be one AssemblyScript already gives a meaning: its types and the namespaces of
// their constants and operations are such names (i8 to i64, u8 to u64, f32, f64, v128, i32x4, ...).
// A local named `i64`, the 65th index a function numbered, made `i64.MIN_VALUE` later in that
// function name the local instead of the type, and asc refused a valid policy's module. No name
// AssemblyScript declares globally ends in an underscore and digits, nor does one the support
// library exports (assembly/writ.ts): test/backend/generated-names.test.ts reads their declarations.
//
// The kinds of locals (t, i, v, k, l, c, nk) and of module-level names (functions r, g, d, part, eq,
// in, check, read_checked, and expr and elems made of a rule's code, outline.ts; flags checked)
// differ, so that a local never hides what its body calls.

/** The form of every numbered name: a kind and its number. */
export const GENERATED_NAME = /^[a-z][a-z_]*_\d+$/;

/** The numbered name of kind `kind` (lower-case letters, as in GENERATED_NAME) and number `n`. */
export function generatedName(kind: string, n: number): string {
  return `${kind}_${n}`;
}
