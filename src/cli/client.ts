// The API client every CLI command uses: finds the URL and token (flags, environment, or the file
// `lineops demo` writes), calls /api/v1, and turns the error envelope into a CliError.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import tls from "node:tls";
import { urlToHttpOptions } from "node:url";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export type Connection = {
  url: string;
  token: string;
  /** PEM certificates trusted besides the system's: a self-signed server cert or a private CA. */
  ca?: string;
};

export type ConnectionFlags = {
  url?: string;
  token?: string;
  tokenFile?: string;
  caFile?: string;
  dataDir?: string;
};

type DemoFile = { url?: string; token?: string; caFile?: string };

function readSecretFile(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`${what}: cannot read ${file}: ${(err as Error).message}`, 2);
  }
  const value = text.trim();
  if (value === "") {
    throw new CliError(`${what}: ${file} is empty`, 2);
  }
  return value;
}

/**
 * Where lineops is and how to get in. The token, first found wins: --token, --token-file,
 * LINEOPS_TOKEN, LINEOPS_TOKEN_FILE, the demo file. (--token shows in `ps`; the others don't.)
 * The CA: --ca-file, LINEOPS_CA_FILE, the demo file's caFile when its URL is the one used.
 */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  // An empty variable counts as unset, as shells and CI templates often export "".
  const dataDir = path.resolve(flags.dataDir ?? (env.LINEOPS_DATA_DIR || ".lineops"));
  let demo: DemoFile = {};
  try {
    demo = JSON.parse(readFileSync(path.join(dataDir, "demo.json"), "utf8")) as DemoFile;
  } catch {
    // no demo file: flags or environment must say where lineops is
  }
  const url = flags.url ?? (env.LINEOPS_URL || demo.url);
  const token =
    flags.token ??
    (flags.tokenFile !== undefined ? readSecretFile(flags.tokenFile, "--token-file") : undefined) ??
    (env.LINEOPS_TOKEN ||
      (env.LINEOPS_TOKEN_FILE ? readSecretFile(env.LINEOPS_TOKEN_FILE, "LINEOPS_TOKEN_FILE") : undefined) ||
      demo.token);
  if (!url || !token) {
    throw new CliError(
      `no lineops to talk to: pass --url and --token-file (or --token), set LINEOPS_URL and LINEOPS_TOKEN (or LINEOPS_TOKEN_FILE), or run \`lineops demo\` (it writes ${path.join(dataDir, "demo.json")})`,
      2,
    );
  }
  const caFile = flags.caFile ?? (env.LINEOPS_CA_FILE || (url === demo.url ? demo.caFile : undefined));
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, "utf8");
    } catch (err) {
      throw new CliError(`--ca-file: cannot read ${caFile}: ${(err as Error).message}`, 2);
    }
  }
  return { url: url.replace(/\/+$/, ""), token, ...(ca === undefined ? {} : { ca }) };
}

export class ApiClient {
  constructor(private readonly conn: Connection) {}

  async get<T>(pathAndQuery: string): Promise<T> {
    return this.request<T>("GET", pathAndQuery);
  }

  async post<T>(pathAndQuery: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", pathAndQuery, body);
  }

  async put<T>(pathAndQuery: string, body?: unknown): Promise<T> {
    return this.request<T>("PUT", pathAndQuery, body);
  }

  async patch<T>(pathAndQuery: string, body?: unknown): Promise<T> {
    return this.request<T>("PATCH", pathAndQuery, body);
  }

  async delete<T>(pathAndQuery: string): Promise<T> {
    return this.request<T>("DELETE", pathAndQuery);
  }

  /** GET a document that is not JSON (a CSV report): its text as sent. */
  async getText(pathAndQuery: string): Promise<string> {
    return this.request<string>("GET", pathAndQuery, undefined, undefined, true);
  }

  /** POST with a raw text body (a YAML document). */
  async postText<T>(pathAndQuery: string, text: string, contentType: string): Promise<T> {
    return this.request<T>("POST", pathAndQuery, text, contentType);
  }

  private async request<T>(
    method: string,
    pathAndQuery: string,
    body?: unknown,
    contentType?: string,
    asText = false,
  ): Promise<T> {
    let res: { status: number; text: string };
    try {
      res = await send(
        this.conn,
        method,
        pathAndQuery,
        {
          authorization: `Bearer ${this.conn.token}`,
          ...(body === undefined ? {} : { "content-type": contentType ?? "application/json" }),
        },
        body === undefined ? undefined : contentType ? String(body) : JSON.stringify(body),
      );
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new CliError(`cannot reach lineops at ${this.conn.url} (${e.code ?? e.message})`);
    }
    const text = res.text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.status < 200 || res.status > 299) {
      // lineops's envelope, or a bare JSON string: the Alertmanager API's errors (/api/v2).
      const env = parsed as { error?: string; code?: string } | string | undefined;
      const message = typeof env === "string" ? env : (env?.error ?? text.slice(0, 200));
      throw new CliError(`${method} ${pathAndQuery}: ${res.status} ${message}`);
    }
    // A 200 without a body (Alertmanager's DELETE /api/v2/silence/{id}) is undefined.
    return (asText ? text : parsed) as T;
  }
}

/**
 * One request over node:http(s) rather than fetch: fetch cannot take extra CA certificates, and
 * NODE_EXTRA_CA_CERTS is read only at process start. The extra CA is added to the system's roots,
 * so a certificate from a public CA still verifies when --ca-file is set.
 */
function send(
  conn: Connection,
  method: string,
  pathAndQuery: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<{ status: number; text: string }> {
  const u = new URL(`${conn.url}${pathAndQuery}`);
  const secure = u.protocol === "https:";
  const options: https.RequestOptions = {
    ...urlToHttpOptions(u),
    method,
    headers: body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
    timeout: 30_000,
    ...(secure && conn.ca !== undefined ? { ca: [...tls.rootCertificates, conn.ca] } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("timeout", () =>
      req.destroy(Object.assign(new Error("timed out after 30 s"), { code: "ETIMEDOUT" })),
    );
    req.on("error", reject);
    req.end(body);
  });
}
