// Probe runners (http, tcp, exec) and the Prober that applies interval, delay and thresholds to them.
// The runtime owns one Prober per probe per process; it only hears about health transitions.
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";

import { baseEnv, resolveCommand } from "../command.js";
import type { ProbeSpec } from "../types.js";

export type ProbeResult = { ok: boolean; message: string };

/** Where a probe points: the instance's address, plus env/cwd for exec probes. */
export type ProbeTarget = {
  host: string;
  port: number;
  /** The complete environment for exec probes (the runtime passes the instance's own); defaults to inherited. */
  env?: Record<string, string>;
  cwd?: string;
};

/** Runs one probe attempt; never rejects, a failure is a result with ok=false and a reason. */
export function runProbe(spec: ProbeSpec, target: ProbeTarget): Promise<ProbeResult> {
  switch (spec.kind) {
    case "http":
      return httpProbe(spec.path ?? "/", spec.timeoutMs, target);
    case "tcp":
      return tcpProbe(spec.timeoutMs, target);
    case "exec":
      return execProbe(spec.command ?? [], spec.timeoutMs, target);
  }
}

/**
 * One attempt bounded by timeoutMs: `begin` starts it and reports through `finish`; the first
 * verdict (or the timeout) wins and later ones are dropped. `begin` returns what releases its
 * socket or child once the attempt is settled, told whether it timed out.
 */
function attempt(
  timeoutMs: number,
  begin: (finish: (r: ProbeResult) => void) => (timedOut: boolean) => void,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let done = false;
    const settle = (r: ProbeResult, timedOut: boolean) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        release(timedOut);
        resolve(r);
      }
    };
    // begin's events fire later, never synchronously, so settle always finds release and timer set.
    const release = begin((r) => settle(r, false));
    const timer = setTimeout(
      () => settle({ ok: false, message: `timeout after ${timeoutMs}ms` }, true),
      timeoutMs,
    );
  });
}

function httpProbe(path: string, timeoutMs: number, target: ProbeTarget): Promise<ProbeResult> {
  return attempt(timeoutMs, (finish) => {
    // agent:false: a fresh connection per probe, so a stale keep-alive socket never hides a dead server.
    const req = http.get({ host: target.host, port: target.port, path, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      finish({ ok: status >= 200 && status < 400, message: `HTTP ${status}` });
    });
    req.on("error", (err) => finish({ ok: false, message: err.message }));
    return () => req.destroy();
  });
}

function tcpProbe(timeoutMs: number, target: ProbeTarget): Promise<ProbeResult> {
  return attempt(timeoutMs, (finish) => {
    const sock = net.connect({ host: target.host, port: target.port });
    sock.on("connect", () => finish({ ok: true, message: "connected" }));
    sock.on("error", (err) => finish({ ok: false, message: err.message }));
    return () => sock.destroy();
  });
}

function execProbe(argv: string[], timeoutMs: number, target: ProbeTarget): Promise<ProbeResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) {
    return Promise.resolve({ ok: false, message: "exec probe has no command" });
  }
  return attempt(timeoutMs, (finish) => {
    const child = spawn(resolveCommand(cmd), args, {
      cwd: target.cwd,
      env: target.env ? { ...baseEnv(), ...target.env } : process.env,
      stdio: "ignore",
    });
    child.on("error", (err) => finish({ ok: false, message: err.message }));
    child.on("exit", (code, signal) =>
      finish(
        code === 0
          ? { ok: true, message: "exit code 0" }
          : { ok: false, message: code !== null ? `exit code ${code}` : `killed by ${signal}` },
      ),
    );
    return (timedOut) => {
      if (timedOut) {
        child.kill("SIGKILL");
      }
    };
  });
}

/**
 * Runs a probe every intervalMs (after initialDelayMs), never overlapping attempts, and reports
 * transitions: healthy after successThreshold consecutive successes, unhealthy after failureThreshold
 * consecutive failures. Health starts unknown (undefined), so the first verdict is always reported.
 */
export class Prober {
  #healthy: boolean | undefined;
  #last: ProbeResult | undefined;
  #successes = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(
    readonly spec: ProbeSpec,
    private readonly target: ProbeTarget,
    private readonly onTransition: (healthy: boolean, last: ProbeResult) => void,
    /** Called with every attempt's result (before any transition), e.g. to surface why a probe fails. */
    private readonly onResult?: (result: ProbeResult) => void,
  ) {}

  get healthy(): boolean | undefined {
    return this.#healthy;
  }

  get lastResult(): ProbeResult | undefined {
    return this.#last;
  }

  start(): void {
    if (this.#running) {
      return;
    }
    this.#running = true;
    this.#schedule(this.spec.initialDelayMs);
  }

  /** Stops probing; a result still in flight is dropped, so a stopped Prober never reports again. */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
  }

  async #tick(): Promise<void> {
    const result = await runProbe(this.spec, this.target);
    if (!this.#running) {
      return;
    }
    this.#last = result;
    this.onResult?.(result);
    if (!this.#running) {
      return;
    }
    if (result.ok) {
      this.#successes++;
      this.#failures = 0;
      if (this.#healthy !== true && this.#successes >= Math.max(1, this.spec.successThreshold)) {
        this.#healthy = true;
        this.onTransition(true, result);
      }
    } else {
      this.#failures++;
      this.#successes = 0;
      if (this.#healthy !== false && this.#failures >= Math.max(1, this.spec.failureThreshold)) {
        this.#healthy = false;
        this.onTransition(false, result);
      }
    }
    if (this.#running) {
      this.#schedule(this.spec.intervalMs);
    }
  }
}
