import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fuzzParams } from "../test-support/fuzz.js";
import {
  clearedSessionCookie,
  csrfMatches,
  csrfTokenFor,
  SESSION_COOKIE,
  sessionCookie,
  sessionIdsFromCookie,
} from "./session.js";

const ID = "A".repeat(42) + "Q";
const OTHER = "b".repeat(43);

describe("the session cookie", () => {
  it("is HttpOnly, SameSite=Strict, Path=/ with a Max-Age in seconds, Secure only under TLS", () => {
    expect(sessionCookie(ID, 7 * 24 * 3600_000, false)).toBe(
      `lineops_session=${ID}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800`,
    );
    expect(sessionCookie(ID, 1500, true)).toBe(
      `lineops_session=${ID}; HttpOnly; SameSite=Strict; Path=/; Max-Age=1; Secure`,
    );
    expect(clearedSessionCookie(true)).toBe(
      "lineops_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure",
    );
  });

  it.each([
    [undefined, []],
    ["", []],
    [`${SESSION_COOKIE}=${ID}`, [ID]],
    [`theme=dark; ${SESSION_COOKIE}=${ID}; x=1`, [ID]],
    [`${SESSION_COOKIE}=${OTHER}; ${SESSION_COOKIE}=${ID}`, [OTHER, ID]],
    [`${SESSION_COOKIE}=short`, []],
    [`x${SESSION_COOKIE}=${ID}`, []],
    [`${SESSION_COOKIE}=${ID}x`, []],
  ])("reads the session ids of %j", (header, ids) => {
    expect(sessionIdsFromCookie(header)).toEqual(ids);
  });

  it("never throws and returns at most 4 well-formed ids, whatever the header", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (header) => {
        const ids = sessionIdsFromCookie(header);
        expect(ids.length).toBeLessThanOrEqual(4);
        ids.forEach((id) => expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/));
      }),
      fuzzParams(500),
    );
  });
});

describe("the CSRF token", () => {
  it("is derived from the session id: stable for one session, different for another, not the id", () => {
    expect(csrfTokenFor(ID)).toBe(csrfTokenFor(ID));
    expect(csrfTokenFor(ID)).not.toBe(csrfTokenFor(OTHER));
    expect(csrfTokenFor(ID)).not.toContain(ID);
    expect(csrfTokenFor(ID)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("matches only the session's own token, sent once", () => {
    const token = csrfTokenFor(ID);
    expect(csrfMatches(ID, token)).toBe(true);
    expect(csrfMatches(ID, csrfTokenFor(OTHER))).toBe(false);
    expect(csrfMatches(ID, undefined)).toBe(false);
    expect(csrfMatches(ID, "")).toBe(false);
    expect(csrfMatches(ID, `${token}x`)).toBe(false);
    expect(csrfMatches(ID, [token, token])).toBe(false);
  });
});
