// A printer for the IR, one rule per block, as S-expressions. Used by `writ compile --emit ir` and
// by golden-file tests of the lowering.

import { assertUnreachable } from "../diagnostics.js";
import type { IRPolicy, IRType, Node } from "./ir.js";
import { formatValue } from "./values.js";

export function printType(t: IRType): string {
  switch (t.kind) {
    case "bool":
    case "int":
    case "string":
    case "never":
      return t.kind;
    case "list":
      return `list<${printType(t.element)}>`;
    case "map":
      return `map<string, ${printType(t.value)}>`;
    case "record":
      return `{${t.fields.map((f) => `${f.name}${f.optional ? "?" : ""}`).join(" ")}}`;
  }
}

export function printNode(node: Node): string {
  const tag = `#${node.id}`;
  switch (node.op) {
    case "lit":
      return formatValue(node.value);
    case "input":
      return "input";
    case "var":
      return `${node.name}@${node.comprehension}`;
    case "field":
      return `(field${node.optional ? "?" : ""} ${printNode(node.record)} ${node.field} ${tag})`;
    case "has":
      return `(has ${printNode(node.record)} ${node.field})`;
    case "call":
      return `(${node.fn} ${node.args.map(printNode).join(" ")} ${tag})`;
    case "and":
    case "or":
      return `(${node.op} ${printNode(node.left)} ${printNode(node.right)})`;
    case "cond":
      return `(cond ${printNode(node.test)} ${printNode(node.then)} ${printNode(node.otherwise)})`;
    case "list":
      return `(list ${node.elements.map(printNode).join(" ")})`;
    case "map":
      return `(map ${node.entries.map((e) => `${JSON.stringify(e.key)}: ${printNode(e.value)}`).join(" ")})`;
    case "comp":
      return `(${node.macro} ${node.variable}@${node.id} ${printNode(node.range)}${node.predicate ? " " + printNode(node.predicate) : ""}${node.transform ? " " + printNode(node.transform) : ""})`;
    default:
      return assertUnreachable(node);
  }
}

export function printPolicy(ir: IRPolicy): string {
  const lines = [`policy ${JSON.stringify(ir.name)} version ${JSON.stringify(ir.version)}`];
  for (const r of ir.rules) lines.push(`${r.index} ${r.effect} ${r.name}: ${printNode(r.condition)}`);
  return lines.join("\n") + "\n";
}
