// Annotations written where a reader takes them for another rule's.
//
// An annotation belongs to the rule after it, wherever it is written: newlines mean nothing in
// Writ. Written after a rule's condition on the same line (`forbid too_big when a.x > 100
// @severity("critical")`), it reads as that rule's, and is the next one's: the manifest gives the
// severity to a rule its author did not mean, and an auditor reading it is misled. W0703 (warning)
// says so, at the annotation, wherever one starts on the line where the `let` or rule before it
// ends. Annotations on their own lines, or on the line of the rule they are for (`@a("x") @b("y")`
// then `permit`, or `@a("x") permit r when …`), are as `writ fmt` prints them, and are not warned of.

import { quotedName, warning, type Diagnostic } from "../diagnostics.js";
import type * as A from "./ast.js";
import { W } from "./diagnostic-codes.js";

/** W0703 for each rule whose first annotations start on the line where the declaration before them ends. */
export function annotationsOnPreviousLine(ast: A.PolicyFile, text: string): Diagnostic[] {
  const declarations: (A.LetDecl | A.RuleDecl | A.PolicyHeader | A.InputDecl | A.TestDecl)[] = [...ast.lets, ...ast.rules, ...ast.tests];
  if (ast.header) declarations.push(ast.header);
  if (ast.input) declarations.push(ast.input);
  declarations.sort((a, b) => a.span.start - b.span.start);
  const found: Diagnostic[] = [];
  for (let i = 1; i < declarations.length; i++) {
    const rule = declarations[i]!;
    const before = declarations[i - 1]!;
    if (rule.kind !== "RuleDecl" || rule.annotations.length === 0) continue;
    if (before.kind !== "RuleDecl" && before.kind !== "LetDecl") continue;
    const first = rule.annotations[0]!;
    if (before.span.end > first.span.start || breaksLine(text, before.span.end, first.span.start)) continue;
    // the annotations on that line: the ones its author may have meant for the declaration before
    const onLine = rule.annotations.filter((a) => !breaksLine(text, first.span.start, a.span.start));
    found.push(misplaced(onLine, rule, before));
  }
  return found;
}

function misplaced(annotations: readonly A.Annotation[], rule: A.RuleDecl, before: A.RuleDecl | A.LetDecl): Diagnostic {
  const names = annotations.map((a) => `\`@${quotedName(a.name.name)}\``);
  const listed = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]!}`;
  const one = names.length === 1;
  const [verb, them, own] = one ? ["annotates", "it", "on its own line"] : ["annotate", "them", "on their own lines"];
  const next = `\`${quotedName(rule.name.name)}\``;
  const previous = `\`${quotedName(before.name.name)}\``;
  const nextHead = `\`${rule.effect} ${quotedName(rule.name.name)}\``;
  const message = before.kind === "RuleDecl"
    ? `${listed} ${verb} the rule after ${them}, ${next}, not ${previous}, which ends on the same line`
    : `${listed} ${verb} the rule after ${them}, ${next}: the constant ${previous} before ${them} on the same line takes no annotation`;
  const help = before.kind === "RuleDecl"
    ? `put ${them} ${own} before the rule ${one ? "it is" : "they are"} for: before \`${before.effect} ${quotedName(before.name.name)}\` for ${previous}, before ${nextHead} for ${next}`
    : `put ${them} ${own} before ${nextHead}`;
  const span = { start: annotations[0]!.span.start, end: annotations[annotations.length - 1]!.span.end };
  return warning(W.AnnotationAfterDeclaration, message, span, help);
}

/** whether text[from, to) holds a line break */
function breaksLine(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}
