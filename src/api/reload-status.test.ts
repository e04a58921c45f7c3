import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { waitFor } from "../test-support/wait.js";
import { reloadStatus } from "./reload-status.js";

const gauge = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values[0]?.value;

describe("reload status", () => {
  it("counts the start as a success, records each outcome, and keeps the last success time on failure", async () => {
    const registry = new Registry();
    let now = 1_000_000;
    const status = reloadStatus(registry, () => now);
    expect(await gauge(registry, "lineops_config_last_reload_successful")).toBe(1);
    expect(await gauge(registry, "lineops_config_last_reload_success_timestamp_seconds")).toBe(1000);
    now = 2_000_000;
    await expect(status.run(() => Promise.reject(new Error("bad rule file")))).rejects.toThrow(
      "bad rule file",
    );
    expect(await gauge(registry, "lineops_config_last_reload_successful")).toBe(0);
    expect(await gauge(registry, "lineops_config_last_reload_success_timestamp_seconds")).toBe(1000);
    expect(status.last()).toEqual({ success: false, at: 1_000_000 });
    await expect(status.run(() => Promise.resolve("ok"))).resolves.toBe("ok");
    expect(status.last()).toEqual({ success: true, at: 2_000_000 });
    expect(await gauge(registry, "lineops_config_last_reload_successful")).toBe(1);
    expect(await gauge(registry, "lineops_config_last_reload_success_timestamp_seconds")).toBe(2000);
  });

  it("runs overlapping reloads one after the other, even after a failed one", async () => {
    const status = reloadStatus(new Registry());
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = status.run(
      () =>
        new Promise<void>((_resolve, reject) => {
          order.push("first started");
          release = () => reject(new Error("refused"));
        }),
    );
    const second = status.run(async () => {
      order.push("second started");
    });
    await waitFor(() => order.length > 0, 5000, "the first reload to start");
    // The first has not finished: the second waits for it.
    expect(order).toEqual(["first started"]);
    release();
    await expect(first).rejects.toThrow("refused");
    await second;
    expect(order).toEqual(["first started", "second started"]);
  });
});
