// Signed, expiring, single-use one-click links for notifications ("acknowledge incident 42"). The
// token is the link's claims (incident, action, expiry, a random nonce) and an HMAC-SHA256 over them
// with a server secret kept in the data dir, so a link cannot be forged or edited; its single use is
// recorded by nonce in the store (the manager does that in the transaction that acts on it).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { IncidentErrors } from "./errors.js";

export type LinkAction = "acknowledge" | "resolve";
export const LINK_ACTIONS: readonly LinkAction[] = ["acknowledge", "resolve"];

export type LinkClaims = { incidentId: number; action: LinkAction; expiresAt: number; nonce: string };

export const LINK_SECRET_FILE = "incident-links.key";
/**
 * Tokens are short (about 60 characters) because they are a path segment and the router refuses
 * segments over 100 (414): one-letter actions, the expiry in base 36, a 72-bit nonce, and the HMAC
 * truncated to 128 bits (RFC 2104 allows it; forging still takes 2^128 tries).
 */
export const MAX_TOKEN_LENGTH = 100;
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,76}\.[A-Za-z0-9_-]{22}$/;
const MAC_BYTES = 16;
const ACTION_CODES: Record<LinkAction, string> = { acknowledge: "a", resolve: "r" };

/**
 * The data dir's link secret, created (32 random bytes, mode 0600) on first use. Kept across
 * restarts so links in notifications already sent keep working; deleting the file revokes them all.
 */
export function loadLinkSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, LINK_SECRET_FILE);
  if (existsSync(file)) {
    const secret = readFileSync(file);
    if (secret.length >= 32) {
      return secret;
    }
  }
  const secret = randomBytes(32);
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export class AckLinks {
  constructor(private readonly secret: Buffer) {}

  sign(incidentId: number, action: LinkAction, expiresAt: number): string {
    const claims = [
      String(incidentId),
      ACTION_CODES[action],
      expiresAt.toString(36),
      randomBytes(9).toString("base64url"),
    ].join("~");
    const body = Buffer.from(claims).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  /**
   * The claims of a token this server signed, or a LINEOPS_ERR_INCIDENT_LINK_* error: invalid
   * (does not parse, or the signature does not verify) before expired, so a tampered expiry never
   * reads as merely expired. Use is not checked here (the store knows).
   */
  verify(token: string, now: number): LinkClaims {
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) {
      throw IncidentErrors.linkInvalid("this acknowledgement link is malformed (copy the whole link)");
    }
    const [body = "", mac = ""] = token.split(".");
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) {
      throw IncidentErrors.linkInvalid(
        "this acknowledgement link's signature does not verify: it was altered, or signed by another lineops",
      );
    }
    const parts = Buffer.from(body, "base64url").toString().split("~");
    const [id, code, expires, nonce] = parts;
    const incidentId = Number(id);
    const expiresAt = /^[0-9a-z]{1,12}$/.test(expires ?? "") ? parseInt(expires as string, 36) : NaN;
    const action = LINK_ACTIONS.find((a) => ACTION_CODES[a] === code);
    if (
      parts.length !== 4 ||
      !Number.isSafeInteger(incidentId) ||
      !Number.isSafeInteger(expiresAt) ||
      action === undefined ||
      nonce === undefined ||
      nonce === ""
    ) {
      throw IncidentErrors.linkInvalid("this acknowledgement link's claims do not parse");
    }
    if (now >= expiresAt) {
      throw IncidentErrors.linkExpired(
        `this link expired at ${new Date(expiresAt).toISOString()}: acknowledge incident ${incidentId} in lineops instead`,
      );
    }
    return { incidentId, action, expiresAt, nonce };
  }

  private mac(body: string): string {
    return createHmac("sha256", this.secret)
      .update(body)
      .digest()
      .subarray(0, MAC_BYTES)
      .toString("base64url");
  }
}
