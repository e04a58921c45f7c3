// The API client every CLI command uses: finds the URL and token (flags, environment, or the file
// `lineops demo` writes), calls /api/v1, and turns the error envelope into a CliError.
import { readFileSync } from "node:fs";
import path from "node:path";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export type Connection = { url: string; token: string };

export type ConnectionFlags = { url?: string; token?: string; dataDir?: string };

export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  // An empty variable counts as unset, as shells and CI templates often export "".
  const dataDir = path.resolve(flags.dataDir ?? (env.LINEOPS_DATA_DIR || ".lineops"));
  let demo: Partial<Connection> = {};
  try {
    demo = JSON.parse(readFileSync(path.join(dataDir, "demo.json"), "utf8")) as Partial<Connection>;
  } catch {
    // no demo file: flags or environment must say where lineops is
  }
  const url = flags.url ?? (env.LINEOPS_URL || demo.url);
  const token = flags.token ?? (env.LINEOPS_TOKEN || demo.token);
  if (!url || !token) {
    throw new CliError(
      `no lineops to talk to: pass --url and --token, set LINEOPS_URL and LINEOPS_TOKEN, or run \`lineops demo\` (it writes ${path.join(dataDir, "demo.json")})`,
      2,
    );
  }
  return { url: url.replace(/\/+$/, ""), token };
}

export class ApiClient {
  constructor(private readonly conn: Connection) {}

  async get<T>(pathAndQuery: string): Promise<T> {
    return this.request<T>("GET", pathAndQuery);
  }

  async post<T>(pathAndQuery: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", pathAndQuery, body);
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
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.conn.url}${pathAndQuery}`, {
        method,
        headers: {
          authorization: `Bearer ${this.conn.token}`,
          ...(body === undefined ? {} : { "content-type": contentType ?? "application/json" }),
        },
        ...(body === undefined ? {} : { body: contentType ? String(body) : JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new CliError(`cannot reach lineops at ${this.conn.url} (${cause})`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const env = parsed as { error?: string; code?: string } | undefined;
      throw new CliError(`${method} ${pathAndQuery}: ${res.status} ${env?.error ?? text.slice(0, 200)}`);
    }
    return parsed as T;
  }
}
