import pino from "pino";
import { it } from "vitest";
import { waitFor } from "/work/main/src/runtime/test-support/helpers.js";
import { Router } from "/work/main/src/runtime/router/router.js";
import { get, startBackend } from "/work/main/src/runtime/router/test-support/backends.js";
it("dbg", async () => {
  const router = new Router({ logger: pino({ level: "silent" }) });
  const slow = await startBackend("slow", { hold: true });
  router.setBackends("svc", [slow]);
  const { url } = await router.listen("svc");
  const pending = get(url);
  await waitFor(() => slow.held() === 1, 5_000, "request held");
  console.log("A", await router.drain("slow", 20));
  console.log("B", (await get(url)).status);
  slow.release();
  console.log("C", (await pending).status);
  router.undrain("slow");
  console.log("D", (await get(url)).body);
}, 5000);
