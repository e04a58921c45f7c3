// The TLS certificate and key of the API and the front doors: read and checked as a pair at start,
// re-read on reload (SIGHUP, POST /-/reload) and swapped into running servers for new connections.
import { readFileSync } from "node:fs";
import tls from "node:tls";
import { X509Certificate } from "node:crypto";
import { ApiErrors } from "./errors.js";

export type TlsFilePaths = { certFile: string; keyFile: string };

export type TlsIdentity = {
  /** What https.createServer and setSecureContext take. */
  options: tls.SecureContextOptions;
  /** SHA-256 fingerprint of the leaf certificate, for logs and the reload answer. */
  fingerprint: string;
  serial: string;
  validTo: string;
};

/** Reads and checks the pair; throws LINEOPS_ERR_TLS_FILES naming the file at fault. */
export function readTlsIdentity(paths: TlsFilePaths): TlsIdentity {
  const read = (file: string, key: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw ApiErrors.tlsFiles(
        `web.tls_server_config.${key}: cannot read ${file}: ${(err as Error).message}`,
      );
    }
  };
  const cert = read(paths.certFile, "cert_file");
  const key = read(paths.keyFile, "key_file");
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw ApiErrors.tlsFiles(
      `web.tls_server_config.cert_file: ${paths.certFile} is not a PEM certificate: ${(err as Error).message}`,
    );
  }
  const options = { cert, key };
  try {
    // Builds the context once here so a mismatched or encrypted key fails now, not on the first handshake.
    tls.createSecureContext(options);
  } catch (err) {
    throw ApiErrors.tlsFiles(
      `web.tls_server_config: ${paths.keyFile} is not the private key of ${paths.certFile} (or not a readable key): ${(err as Error).message}`,
    );
  }
  return { options, fingerprint: leaf.fingerprint256, serial: leaf.serialNumber, validTo: leaf.validTo };
}

/** A running server whose certificate can be swapped: tls.Server (https) or the router. */
export type SecureContextTarget = { setSecureContext(options: tls.SecureContextOptions): void };

/**
 * Holds the current identity and the servers that use it. reload() re-reads the files and, only
 * if they are a valid pair, swaps them in: a bad file on reload keeps the running certificate.
 */
export class TlsFiles {
  #current: TlsIdentity;
  readonly #targets: SecureContextTarget[] = [];

  constructor(readonly paths: TlsFilePaths) {
    this.#current = readTlsIdentity(paths);
  }

  get current(): TlsIdentity {
    return this.#current;
  }

  use(target: SecureContextTarget): void {
    this.#targets.push(target);
  }

  reload(): TlsIdentity {
    const next = readTlsIdentity(this.paths);
    for (const t of this.#targets) {
      t.setSecureContext(next.options);
    }
    this.#current = next;
    return next;
  }
}
