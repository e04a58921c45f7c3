// File paths in an alerting configuration resolve against the file it was read from (as
// Alertmanager does), whatever directory lineops runs in; absolute paths stay as written.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { alertingConfigOf, resolveConfig } from "../../config/config.js";

const ALERTING = `  route: { receiver: hook }
  receivers:
    - name: hook
      webhook_configs:
        - url_file: secrets/hook-url
          http_config:
            authorization: { credentials_file: secrets/token }
            tls_config: { ca_file: /etc/ssl/plant-ca.pem, cert_file: certs/client.pem, key_file: certs/client.key }
`;

describe("alerting configuration file paths", () => {
  it("are relative to lineops.yaml for an alerting: section", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-alert-paths-"));
    writeFileSync(path.join(dir, "lineops.yaml"), `alerting:\n${ALERTING}`);
    const config = alertingConfigOf(resolveConfig({ configFile: path.join(dir, "lineops.yaml") }, {}));
    const hook = config.receivers[0]?.webhook_configs[0];
    expect(hook?.url_file).toBe(path.join(dir, "secrets/hook-url"));
    expect(hook?.http_config?.authorization?.credentials_file).toBe(path.join(dir, "secrets/token"));
    expect(hook?.http_config?.tls_config).toMatchObject({
      ca_file: "/etc/ssl/plant-ca.pem",
      cert_file: path.join(dir, "certs/client.pem"),
      key_file: path.join(dir, "certs/client.key"),
    });
  });

  it("are relative to the Alertmanager file for alerting_file:", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-alert-paths-"));
    const amDir = path.join(dir, "am");
    writeFileSync(path.join(dir, "lineops.yaml"), "alerting_file: am/alertmanager.yml\n");
    mkdirSync(amDir);
    writeFileSync(path.join(amDir, "alertmanager.yml"), ALERTING.replace(/^ {2}/gm, ""));
    const config = alertingConfigOf(resolveConfig({ configFile: path.join(dir, "lineops.yaml") }, {}));
    expect(config.receivers[0]?.webhook_configs[0]?.url_file).toBe(path.join(amDir, "secrets/hook-url"));
  });
});
