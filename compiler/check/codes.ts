// Diagnostic codes of the checker (W02xx names and structure, W03xx types, W04xx outside the
// subset, W05xx constants, bounds and cost, W06xx tests). docs/language.md lists them all.

import { type Diagnostic, error } from "../diagnostics.js";

export const Codes = {
  missingHeader: "W0201",
  duplicateField: "W0202",
  duplicateDeclaration: "W0203",
  unknownIdentifier: "W0204",
  unknownField: "W0205",
  duplicateAnnotation: "W0206",
  reservedName: "W0207",
  badPolicyName: "W0208",

  unknownType: "W0301",
  badBound: "W0302",
  notBool: "W0303",
  intOutOfRange: "W0304",
  typeMismatch: "W0305",
  noOverload: "W0306",
  badMacro: "W0307",
  badHas: "W0308",
  unknownFunction: "W0309",
  duplicateMapKey: "W0310",

  unsupported: "W0401",

  constantDependsOnRequest: "W0501",
  constantErrors: "W0502",
  costOverBudget: "W0503",
  tooManyRules: "W0504",
  requestTooLarge: "W0505",
  schemaTooDeep: "W0506",
  ruleTooLarge: "W0507",
  ruleTooLong: "W0508",

  unknownTestRule: "W0601",
  badTestValue: "W0602",
  duplicateTest: "W0603",
  impossibleExpectation: "W0604",
  badTestInput: "W0605",
} as const;

/**
 * W0201, for a file without `policy "name" version "x.y.z"` (empty, white space or comments only):
 * raised by the checker, and by `writ fmt`, which does not run it, so that no command takes such a
 * file for a policy.
 */
export function missingHeaderDiagnostic(): Diagnostic {
  return error(Codes.missingHeader, "a policy starts with `policy \"name\" version \"x.y.z\"`", { start: 0, end: 0 });
}
