// The request shape every engine receives (a plain JS object, ints as numbers) and the vocabulary the
// mix and the policies share: base actions with their usual tools, base roles, and the generated
// tools and roles of the large policy. Kept in one place so the mix, the policy generators and the
// hand-written engines cannot drift apart.

import { pad } from "./prng.js";

export interface BenchRequest {
  readonly principal: {
    readonly id: string;
    readonly roles: readonly string[];
    readonly clearance: number;
    readonly tenant: string;
  };
  readonly action: { readonly name: string; readonly tool: string };
  readonly resource: {
    readonly id: string;
    readonly type: string;
    readonly owner: string;
    readonly sensitivity: number;
  };
  readonly context: {
    /** cents */
    readonly amount: number;
    /** 0..23 */
    readonly hour: number;
    /** 0..99 */
    readonly riskScore: number;
    readonly approvals: number;
  };
}

/** The five base actions, the tool each one usually comes with, and the resource type it touches. */
export const BASE_ACTIONS = [
  { name: "db.query", tool: "psql", resourceType: "table" },
  { name: "shell.exec", tool: "bash", resourceType: "host" },
  { name: "payments.transfer", tool: "stripe", resourceType: "account" },
  { name: "docs.read", tool: "browser", resourceType: "document" },
  { name: "http.fetch", tool: "curl", resourceType: "url" },
] as const;

/** Roles the 12-rule policy names, plus a few it does not. */
export const BASE_ROLES = [
  "admin",
  "operator",
  "treasurer",
  "payments-agent",
  "oncall",
  "secrets-admin",
  "analyst",
  "developer",
  "support",
  "auditor",
] as const;

export const GENERATED_ROLE_COUNT = 60;
/** tools the mix calls: `tool-000`..`tool-299` */
export const GENERATED_TOOL_COUNT = 300;
/** tools the large policy's permits name: `tool-000`..`tool-249` (the other 50 match no permit) */
export const PERMITTED_TOOL_COUNT = 250;
/** the action every generated tool is invoked through */
export const TOOL_ACTION = "tool.invoke";

export const TENANTS = ["acme", "globex", "initech", "umbrella", "hooli", "stark"] as const;

export function generatedRole(i: number): string {
  return `role-${pad(i, 2)}`;
}
export function generatedTool(i: number): string {
  return `tool-${pad(i, 3)}`;
}
