// Test helper: runs a line service as a real child process (via tsx, on a free port chosen by the
// OS) and exposes its URL, logs and exit, so tests exercise the same entry points lineops runs.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type ServiceProcess = {
  name: string;
  child: ChildProcess;
  url: string;
  port: number;
  /** Resolves when the process exits (already-resolved if it has). */
  exited: Promise<Exit>;
  logs(): string;
  /** SIGTERM (or the given signal) and wait for exit; SIGKILL if it has not exited within 5 s. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
};

const running = new Set<ServiceProcess>();

/** Starts `line/services/<name>.ts` and resolves once it logged its listening port. */
export async function startLineService(
  name: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", `line/services/${name}.ts`], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<Exit>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within 15 s:\n${output}`)),
      15_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"msg":"listening"[^\n]*"port":(\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${e.code ?? e.signal}) before listening:\n${output}`));
    });
  });
  const proc: ServiceProcess = {
    name,
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    exited,
    logs: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(proc);
      return exited;
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Stops every service this helper started and that is still running (for afterAll/afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
