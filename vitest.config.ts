import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "line/**/*.test.ts", "bench/**/*.test.ts", "web/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Process-spawning suites compete for 2 cores; a small pool keeps timings sane.
    pool: "forks",
    maxWorkers: 2,
  },
});
