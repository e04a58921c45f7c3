// Front doors over HTTPS: the line's clients get TLS at the front door while backends stay plain
// HTTP on loopback, and a new certificate reaches new connections without closing the door.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { tempDir } from "../../test-support/line.js";
import { httpsRequest, makeCert, servedFingerprint } from "../../test-support/tls.js";
import { INSTANCE_HEADER } from "./router.js";
import { routerHarness } from "./test-support/harness.js";

const { router: makeRouter, backend } = routerHarness();

const identity = (c: { certFile: string; keyFile: string }) => ({
  cert: readFileSync(c.certFile),
  key: readFileSync(c.keyFile),
});

describe("Router with TLS", () => {
  it("serves HTTPS front doors and swaps the certificate for new connections", async () => {
    const dir = tempDir();
    const first = makeCert(dir, "door-1");
    const second = makeCert(dir, "door-2");
    const router = makeRouter({ tls: identity(first) });
    router.setBackends("press", [await backend("a")]);
    const addr = await router.listen("press");
    expect(addr.url).toBe(`https://127.0.0.1:${addr.port}`);

    const res = await httpsRequest(`${addr.url}/x`, first.pem);
    expect(res.status).toBe(200);
    expect(res.headers[INSTANCE_HEADER]).toBe("a");
    expect(await servedFingerprint(addr.port)).toBe(first.fingerprint);

    router.setSecureContext(identity(second));
    expect(await servedFingerprint(addr.port)).toBe(second.fingerprint);
    expect((await httpsRequest(`${addr.url}/x`, second.pem)).status).toBe(200);
    // A door opened after the swap starts with the new certificate too.
    router.setBackends("vision", [await backend("v")]);
    const later = await router.listen("vision");
    expect(await servedFingerprint(later.port)).toBe(second.fingerprint);
  });
});
