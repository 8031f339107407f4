import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // a temp dir of the run's own, checked and removed at the end
    globalSetup: ["test/support/temp-root.ts"],
  },
});
