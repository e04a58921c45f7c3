// Per-test resources for the router's socket tests: routers, backends and client agents made
// through a harness are closed after each test, newest first, so no test leaks a listener.
import http from "node:http";

import pino from "pino";
import { afterEach } from "vitest";

import { Router } from "../router.js";
import type { RouterOptions } from "../router.js";
import type { BackendOptions, TestBackend } from "./backends.js";
import { startBackend } from "./backends.js";

export type RouterHarness = {
  /** A router with a silent logger. */
  router: (opts?: Partial<RouterOptions>) => Router;
  backend: (instanceId: string, opts?: BackendOptions) => Promise<TestBackend>;
  /** A keep-alive client agent. */
  agent: (opts?: http.AgentOptions) => http.Agent;
  /** Runs cleanup after the test, before what was registered earlier. */
  defer: (cleanup: () => Promise<void> | void) => void;
};

const logger = pino({ level: "silent" });

/** Call once at the top of a test file: it registers the afterEach that cleans up. */
export function routerHarness(): RouterHarness {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length) {
      await cleanups.pop()?.();
    }
  });
  const defer = (cleanup: () => Promise<void> | void): void => {
    cleanups.push(cleanup);
  };
  return {
    router: (opts = {}) => {
      const router = new Router({ logger, ...opts });
      defer(() => router.close());
      return router;
    },
    backend: async (instanceId, opts = {}) => {
      const b = await startBackend(instanceId, opts);
      defer(() => b.close());
      return b;
    },
    agent: (opts = {}) => {
      const a = new http.Agent({ keepAlive: true, ...opts });
      defer(() => a.destroy());
      return a;
    },
    defer,
  };
}
