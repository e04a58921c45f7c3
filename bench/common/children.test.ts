import { describe, expect, it } from "vitest";
import { isRunning, spawnTracked, stopChild, waitForLine } from "./children.js";

const node = process.execPath;

describe("children", () => {
  it("stops a child gracefully with SIGTERM", async () => {
    const child = spawnTracked(node, ["-e", "console.log('ready'); setInterval(() => {}, 1000)"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    await waitForLine(child, "stdout", /^ready$/, 10_000);
    expect(await stopChild(child, 5000)).toEqual({ graceful: true });
    expect(isRunning(child)).toBe(false);
  });

  it("kills a child that ignores SIGTERM once the timeout passes", async () => {
    const child = spawnTracked(
      node,
      ["-e", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    await waitForLine(child, "stdout", /^ready$/, 10_000);
    expect(await stopChild(child, 300)).toEqual({ graceful: false });
    expect(child.signalCode).toBe("SIGKILL");
  });

  it("rejects waitForLine when the child exits without printing the line", async () => {
    const child = spawnTracked(node, ["-e", "console.log('other')"], { stdio: ["ignore", "pipe", "ignore"] });
    await expect(waitForLine(child, "stdout", /^never$/, 10_000)).rejects.toThrow(/exited/);
  });
});
