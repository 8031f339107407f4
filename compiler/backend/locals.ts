// How many locals a rule's function has, counted on the AssemblyScript the backend writes for it,
// and the most it may have. Each local takes 8 bytes of stack in the profile's frame model
// (runtime/wasm/frames.ts), and a module whose calls may take more than MAX_STACK_BYTES breaks the
// profile: a rule that needs that much is refused as too large (W0507), at the rule, before asc runs.
// Unoptimised, asc gives every declaration a local of its own (a block's locals are not reused), and
// every call of an inlined support function its parameters and locals besides; optimised, binaryen
// shares them, so the count bounds both.
//
// The limit is a rule's: its function, and the functions made of parts of its code (outline.ts),
// are the only ones whose locals grow with what one part of the policy says; what counts of them is
// the deepest chain of calls from the rule's function, each function made of its code counted with
// its parameters and its frame (outline.ts, FRAME_LOCALS). The module's other functions have a bounded number whatever the policy: the support
// library's, the comparisons of lists and maps and the checks walking them a few each; the
// functions of an index's search or case table a key each, and those that run rule calls none
// (split.ts, callTree); and what the module does for each field of the request (its checks as the
// decision starts, the flags it resets, the dispatches of indexed rules, the checks of a record's
// fields) is made by functions of at most SPLIT_LOCALS (512) locals each, counted here too
// (split.ts, splitStatements), of which writ_evaluate holds at most four runs.

/**
 * Most locals one rule's function, with the deepest chain of the functions made of its code, may
 * have: 32 KiB of stack, a quarter of what a module's calls may take (MAX_STACK_BYTES, 128 KiB), the
 * rest left to writ_evaluate, the helpers below the rule and the operands of every frame. (When a
 * rule was one function whatever its size, it also kept that function small enough to optimise: a
 * rule reading a bool field 4,090 times, a local each, compiled in 19 s, 8,190 times in 158 s and
 * 1.3 GB. That is now outline.ts's and rule-size.ts's.)
 */
export const MAX_RULE_LOCALS = 4096;

/**
 * The support library's inlined functions (`@inline` in assembly/writ.ts), and the locals a call of
 * each adds to its caller: its parameters and its own locals. The input checks' `read_checked_N`
 * (input-checks.ts) hold two: the record's address and the pointer read from it.
 */
export const INLINED_LOCALS: Readonly<Record<string, number>> = { flag: 1, inString: 5, inList: 6, inRecord: 3 };
const READ_CHECKED_LOCALS = 2;

const DECLARATION = /^\s*(?:let|const) |\bfor \((?:let|const) /;
const INLINED_CALL = new RegExp(`\\b(?:(${Object.keys(INLINED_LOCALS).join("|")})|read_checked_\\d+)\\(`, "g");

/** The locals asc gives a function body of these lines (and the expression the function then tests). */
export function localsOf(lines: readonly string[], expr: string): number {
  let n = 0;
  for (const line of [...lines, expr]) {
    if (DECLARATION.test(line)) n++;
    for (const m of line.matchAll(INLINED_CALL)) n += m[1] === undefined ? READ_CHECKED_LOCALS : INLINED_LOCALS[m[1]]!;
  }
  return n;
}

/** How many calls of the support library's inlined functions (INLINED_LOCALS) and of `read_checked_N` `lines` make. */
export function inlinedCallsOf(lines: readonly string[]): number {
  let n = 0;
  for (const line of lines) for (const _ of line.matchAll(INLINED_CALL)) n++;
  return n;
}

/**
 * The locals the elements of a list or map literal share: each element takes those its statements
 * need, its value is stored, and they are free for the next one. They are declared once, before the
 * first element, so that their number is that of the largest element, not of the literal.
 */
export class SharedLocals {
  /** every one, by name: its type */
  readonly declared = new Map<string, string>();
  private readonly free = new Map<string, string[]>();
  private readonly taken: { readonly name: string; readonly type: string }[] = [];

  take(type: string, fresh: () => string): string {
    const name = this.free.get(type)?.pop() ?? fresh();
    this.declared.set(name, type);
    this.taken.push({ name, type });
    return name;
  }

  /**
   * The declarations of those of them `used` names (all of them but those only code moved into
   * functions of its own used: outline.ts), each with the zero of its type (an element assigns it
   * before it reads it).
   */
  declarations(used: ReadonlySet<string>): string[] {
    return [...this.declared].filter(([name]) => used.has(name)).map(([name, type]) => `let ${name}: ${type} = ${type === "bool" ? "false" : "0"};`);
  }

  /** How many are taken: what `release` gives back to. */
  mark(): number {
    return this.taken.length;
  }

  /** Frees the locals taken since `mark`. */
  release(mark: number): void {
    while (this.taken.length > mark) {
      const { name, type } = this.taken.pop()!;
      const free = this.free.get(type) ?? [];
      free.push(name);
      this.free.set(type, free);
    }
  }
}
