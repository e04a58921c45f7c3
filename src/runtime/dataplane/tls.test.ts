// TLS front doors in the data plane: the certificate and key are read from files by the data
// plane itself; a reload re-reads them (new connections get the new pair) and no key material
// reaches the table file or the log. TlsFiles.use(client) keeps working through setSecureContext.
import fs from "node:fs";

import { describe, expect, it } from "vitest";

import { makeCert, servedFingerprint, httpsRequest } from "../../test-support/tls.js";
import { waitFor } from "../../test-support/wait.js";
import { dataPlanePaths } from "./protocol.js";
import { dataPlaneHarness } from "./test-support/harness.js";

const h = dataPlaneHarness();

describe("data plane TLS", () => {
  it("serves HTTPS from the files, reloads them on request, and never stores the key", async () => {
    const dir = h.dataDir();
    const first = makeCert(dir, "first");
    const second = makeCert(dir, "second");
    const live = { certFile: `${dir}/live.crt`, keyFile: `${dir}/live.key` };
    fs.copyFileSync(first.certFile, live.certFile);
    fs.copyFileSync(first.keyFile, live.keyFile);
    const b1 = await h.backend("b1");
    const client = await h.client(dir, { tls: live });
    const addr = await client.listen("press");
    client.setBackends("press", [{ instanceId: "b1", host: b1.host, port: b1.port }]);
    await client.flush();
    expect(addr.url).toBe(`https://127.0.0.1:${addr.port}`);
    expect((await httpsRequest(addr.url, first.pem, { anyName: true })).body).toBe("b1");
    expect(await servedFingerprint(addr.port)).toBe(first.fingerprint);

    fs.copyFileSync(second.certFile, live.certFile);
    fs.copyFileSync(second.keyFile, live.keyFile);
    expect((await client.reloadTls()).fingerprint).toBe(second.fingerprint);
    expect(await servedFingerprint(addr.port)).toBe(second.fingerprint);

    // A broken pair on reload is refused and the running certificate stays.
    fs.writeFileSync(live.keyFile, "not a key");
    await expect(client.reloadTls()).rejects.toMatchObject({ code: "LINEOPS_ERR_DATAPLANE_TLS_FILES" });
    expect(await servedFingerprint(addr.port)).toBe(second.fingerprint);

    // The TlsFiles.use(target) path: setSecureContext triggers a re-read of the files.
    fs.copyFileSync(first.keyFile, live.keyFile);
    fs.copyFileSync(first.certFile, live.certFile);
    client.setSecureContext({});
    await waitFor(async () => (await servedFingerprint(addr.port)) === first.fingerprint, 5_000, "reload");

    const paths = dataPlanePaths(dir);
    for (const file of [paths.table, paths.log, paths.pidfile]) {
      expect(fs.readFileSync(file, "utf8")).not.toMatch(/PRIVATE KEY/);
    }
  });
});
