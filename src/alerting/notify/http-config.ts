// Prometheus's <http_config> for outgoing notification requests: authorization, basic auth, the
// deprecated bearer_token, TLS and redirects, with the semantics of prometheus/common's HTTP client
// (secret files read on every request so a rotated token is picked up without a reload).
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { SecureVersion } from "node:tls";

export type TlsConfig = {
  ca?: string;
  caFile?: string;
  cert?: string;
  certFile?: string;
  key?: string;
  keyFile?: string;
  serverName?: string;
  insecureSkipVerify?: boolean;
  /** TLS10 … TLS13, as Prometheus spells it. Default: Node's minimum (TLS 1.2). */
  minVersion?: "TLS10" | "TLS11" | "TLS12" | "TLS13";
};

export type HttpClientConfig = {
  authorization?: { type?: string; credentials?: string; credentialsFile?: string };
  basicAuth?: { username?: string; usernameFile?: string; password?: string; passwordFile?: string };
  /** Deprecated in Prometheus in favour of authorization; still accepted there. */
  bearerToken?: string;
  bearerTokenFile?: string;
  tlsConfig?: TlsConfig;
  /** Default true, as in Prometheus. */
  followRedirects?: boolean;
};

/** A config that cannot work, found before the first request. */
export class HttpConfigError extends Error {
  readonly code = "LINEOPS_ERR_NOTIFY_HTTP_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "HttpConfigError";
  }
}

/** prometheus/common's HTTPClientConfig.Validate rules that apply to the fields lineops supports. */
export function validateHttpConfig(c: HttpClientConfig): void {
  const auth = c.authorization;
  const basic = c.basicAuth;
  if ((c.bearerToken !== undefined || c.bearerTokenFile !== undefined) && (auth || basic)) {
    throw new HttpConfigError(
      "at most one of bearer_token, bearer_token_file, authorization and basic_auth may be set",
    );
  }
  if (c.bearerToken !== undefined && c.bearerTokenFile !== undefined) {
    throw new HttpConfigError("at most one of bearer_token & bearer_token_file must be configured");
  }
  if (auth && basic) {
    throw new HttpConfigError("at most one of basic_auth, oauth2 & authorization must be configured");
  }
  if (auth) {
    if (auth.credentials !== undefined && auth.credentialsFile !== undefined) {
      throw new HttpConfigError(
        "at most one of authorization.credentials & credentials_file must be configured",
      );
    }
    if ((auth.type ?? "Bearer").toLowerCase() === "basic") {
      throw new HttpConfigError(`authorization type cannot be set to "basic", use "basic_auth" instead`);
    }
  }
  if (basic) {
    if (basic.username !== undefined && basic.usernameFile !== undefined) {
      throw new HttpConfigError("at most one of basic_auth username & username_file must be configured");
    }
    if (basic.password !== undefined && basic.passwordFile !== undefined) {
      throw new HttpConfigError("at most one of basic_auth password & password_file must be configured");
    }
  }
  const t = c.tlsConfig;
  if (t) {
    for (const [inline, file, name] of [
      [t.ca, t.caFile, "ca"],
      [t.cert, t.certFile, "cert"],
      [t.key, t.keyFile, "key"],
    ] as const) {
      if (inline !== undefined && file !== undefined) {
        throw new HttpConfigError(`at most one of tls_config ${name} & ${name}_file must be configured`);
      }
    }
    const hasCert = t.cert !== undefined || t.certFile !== undefined;
    const hasKey = t.key !== undefined || t.keyFile !== undefined;
    if (hasCert !== hasKey) {
      throw new HttpConfigError("tls_config needs both a client certificate and its key, or neither");
    }
  }
}

/**
 * The Authorization header value for one request, files read now. Errors name the file but never
 * carry its content.
 */
export function authorizationHeader(c: HttpClientConfig): string | undefined {
  if (c.authorization) {
    const a = c.authorization;
    const credentials =
      a.credentialsFile !== undefined
        ? readSecret(a.credentialsFile, "authorization.credentials_file")
        : a.credentials;
    return credentials === undefined || credentials === ""
      ? undefined
      : `${a.type ?? "Bearer"} ${credentials}`;
  }
  if (c.bearerToken !== undefined || c.bearerTokenFile !== undefined) {
    const token =
      c.bearerTokenFile !== undefined
        ? readSecret(c.bearerTokenFile, "bearer_token_file")
        : (c.bearerToken ?? "");
    return token === "" ? undefined : `Bearer ${token}`;
  }
  if (c.basicAuth) {
    const b = c.basicAuth;
    const user =
      b.usernameFile !== undefined ? readSecret(b.usernameFile, "basic_auth.username_file") : b.username;
    const pass =
      b.passwordFile !== undefined ? readSecret(b.passwordFile, "basic_auth.password_file") : b.password;
    return `Basic ${Buffer.from(`${user ?? ""}:${pass ?? ""}`).toString("base64")}`;
  }
  return undefined;
}

/** prometheus/common trims whitespace around file secrets (the trailing newline editors add). */
export function readSecret(file: string, field: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (err) {
    throw new HttpConfigError(
      `cannot read ${field} ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
}

function readPem(file: string, field: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new HttpConfigError(
      `cannot read tls_config.${field} ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
}

const TLS_VERSIONS: Record<NonNullable<TlsConfig["minVersion"]>, SecureVersion> = {
  TLS10: "TLSv1",
  TLS11: "TLSv1.1",
  TLS12: "TLSv1.2",
  TLS13: "TLSv1.3",
};

/**
 * Keep-alive agents for one http_config, rebuilt when a TLS file's content changes (Prometheus
 * reloads a rotated CA or client certificate without a restart too). One pool per receiver, so a
 * receiver whose sockets hang never takes a connection another receiver needs.
 */
export class AgentPool {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private httpsAgent: https.Agent | undefined;
  private httpsKey = "";

  constructor(private readonly tls: TlsConfig | undefined) {}

  agentFor(protocol: string): http.Agent {
    if (protocol === "http:") {
      return this.httpAgent;
    }
    const t = this.tls ?? {};
    const options: https.AgentOptions = {
      keepAlive: true,
      ca: t.caFile !== undefined ? readPem(t.caFile, "ca_file") : t.ca,
      cert: t.certFile !== undefined ? readPem(t.certFile, "cert_file") : t.cert,
      key: t.keyFile !== undefined ? readPem(t.keyFile, "key_file") : t.key,
      rejectUnauthorized: t.insecureSkipVerify !== true,
      ...(t.minVersion !== undefined ? { minVersion: TLS_VERSIONS[t.minVersion] } : {}),
      ...(t.serverName !== undefined ? { servername: t.serverName } : {}),
    };
    const key = JSON.stringify([options.ca, options.cert, options.key]);
    if (this.httpsAgent === undefined || key !== this.httpsKey) {
      this.httpsAgent?.destroy();
      this.httpsAgent = new https.Agent(options);
      this.httpsKey = key;
    }
    return this.httpsAgent;
  }

  /** server_name also decides which name the certificate is checked against. */
  get serverName(): string | undefined {
    return this.tls?.serverName;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
  }
}
