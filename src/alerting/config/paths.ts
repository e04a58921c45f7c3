// File paths inside an alerting configuration (url_file, credential and password files, TLS files)
// are relative to the file the configuration was read from, as Alertmanager resolves them against
// its config file's directory — not to the directory lineops happens to be started from.
import path from "node:path";
import type { AlertingConfig } from "./load.js";
import type { HttpConfig, WebhookConfig } from "./schema.js";

/** The configuration with every relative file path made absolute against `baseDir`. */
export function resolveConfigPaths(config: AlertingConfig, baseDir: string): AlertingConfig {
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(baseDir, p));
  const http = (h: HttpConfig | undefined): HttpConfig | undefined => {
    if (h === undefined) {
      return undefined;
    }
    const { authorization: a, basic_auth: b, tls_config: t } = h;
    return {
      ...h,
      ...(a ? { authorization: { ...a, ...defined("credentials_file", abs(a.credentials_file)) } } : {}),
      ...(b
        ? {
            basic_auth: {
              ...b,
              ...defined("username_file", abs(b.username_file)),
              ...defined("password_file", abs(b.password_file)),
            },
          }
        : {}),
      ...(t
        ? {
            tls_config: {
              ...t,
              ...defined("ca_file", abs(t.ca_file)),
              ...defined("cert_file", abs(t.cert_file)),
              ...defined("key_file", abs(t.key_file)),
            },
          }
        : {}),
    };
  };
  const webhook = (w: WebhookConfig): WebhookConfig => {
    const h = http(w.http_config);
    return { ...w, ...defined("url_file", abs(w.url_file)), ...(h ? { http_config: h } : {}) };
  };
  /** The channel configs' own secret and CA files (lineops's P10 channels). */
  const files = <T extends Record<string, unknown>>(c: T, keys: readonly string[]): T => {
    const out: Record<string, unknown> = { ...c };
    for (const k of keys) {
      if (typeof out[k] === "string") {
        out[k] = abs(out[k]);
      }
    }
    if (out.http_config !== undefined) {
      out.http_config = http(out.http_config as HttpConfig);
    }
    const tls = out.tls_config as { ca_file?: string } | undefined;
    if (tls?.ca_file !== undefined) {
      out.tls_config = { ...tls, ca_file: abs(tls.ca_file) };
    }
    return out as T;
  };
  return {
    ...config,
    receivers: config.receivers.map((r) => ({
      ...r,
      webhook_configs: (r.webhook_configs ?? []).map((w) => files(webhook(w), ["signing_secret_file"])),
      slack_configs: (r.slack_configs ?? []).map((s) => files(s, ["api_url_file"])),
      email_configs: (r.email_configs ?? []).map((e) => files(e, ["auth_password_file"])),
      pagerduty_configs: (r.pagerduty_configs ?? []).map((p) => files(p, ["routing_key_file"])),
      mqtt_configs: (r.mqtt_configs ?? []).map((m) => files(m, ["password_file"])),
      sms_configs: (r.sms_configs ?? []).map((s) => files(s, ["auth_token_file"])),
    })),
  };
}

function defined<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
