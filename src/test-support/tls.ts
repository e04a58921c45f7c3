// Test certificates made at test time with the machine's openssl (no key material in the repo),
// and a client that reports which certificate a fresh connection was served.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import tls from "node:tls";

export type TestCert = {
  certFile: string;
  keyFile: string;
  pem: string;
  fingerprint: string;
  serial: string;
};

/** A self-signed P-256 certificate for localhost and 127.0.0.1, written as <dir>/<name>.{crt,key}. */
export function makeCert(dir: string, name: string): TestCert {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "2",
        "-subj",
        `/CN=${name}`,
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
  } catch (err) {
    throw new Error(`openssl is needed to make test certificates (apt-get install openssl): ${String(err)}`);
  }
  const pem = readFileSync(certFile, "utf8");
  const x = new X509Certificate(pem);
  return { certFile, keyFile, pem, fingerprint: x.fingerprint256, serial: x.serialNumber };
}

/** Fingerprint of the certificate a new TLS connection to host:port is served (no verification). */
export function servedFingerprint(port: number, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerX509Certificate()?.fingerprint256 ?? "";
      socket.end();
      resolve(fp);
    });
    socket.on("error", reject);
  });
}

export type HttpsAnswer = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
};

/**
 * One HTTPS request on a fresh connection, trusting only `ca`. Node checks the certificate
 * against the Host header when one is set; `anyName` skips that name check (the chain still counts).
 */
export function httpsRequest(
  url: string,
  ca: string,
  init: { method?: string; headers?: Record<string, string>; anyName?: boolean } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        ca,
        agent: false,
        method: init.method ?? "GET",
        headers: init.headers ?? {},
        ...(init.anyName ? { checkServerIdentity: () => undefined } : {}),
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
