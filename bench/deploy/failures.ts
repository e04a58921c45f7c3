// Names a failed request by its cause, so a benchmark can say who failed it: the load's own
// connection (ECONNRESET, timeout), lineops's router (502/503 with its error envelope) or a line
// service (5xx with the service's `error` code, e.g. dependency_failed from line-controller).

import type { Outcome } from "../common/http-once.js";

/** How one request ended, as the load generator saw it. */
export type { Outcome };

/** True when the request counts against availability: connection error, timeout or any 5xx. */
export function isFailure(o: Outcome): boolean {
  return o.kind !== "response" || o.status >= 500;
}

/** A short, low-cardinality label for a failure ("503 router: no ready instance of service x"). */
export function classify(o: Outcome): string {
  if (o.kind === "timeout") {
    return "timeout";
  }
  if (o.kind === "error") {
    return `conn ${o.code}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(o.body);
  } catch {
    return `${o.status} (non-JSON body)`;
  }
  if (typeof parsed !== "object" || parsed === null) {
    return `${o.status} (non-object body)`;
  }
  const b = parsed as Record<string, unknown>;
  // The router's envelope: {status: "error", errorType: "unavailable", error: "<sentence>"}.
  if (b.status === "error" && typeof b.error === "string") {
    return `${o.status} router: ${normalise(b.error)}`;
  }
  if (b.error === "dependency_failed") {
    const dep = typeof b.dependency === "string" ? b.dependency : "?";
    const depStatus = typeof b.dependencyStatus === "number" ? ` ${b.dependencyStatus}` : "";
    return `${o.status} service dependency_failed: ${dep}${depStatus}${nested(b.message)}`;
  }
  if (typeof b.error === "string") {
    return `${o.status} service ${b.error}`;
  }
  return `${o.status} (unknown body)`;
}

/** The dependency's own answer inside the message ("x answered 503: {...}"): the router's, or the service's code. */
function nested(message: unknown): string {
  if (typeof message !== "string") {
    return "";
  }
  const k = message.indexOf("{");
  if (k >= 0) {
    try {
      const inner = JSON.parse(message.slice(k)) as Record<string, unknown>;
      if (inner.status === "error" && typeof inner.error === "string") {
        return ` (router: ${normalise(inner.error)})`;
      }
      if (typeof inner.error === "string") {
        return ` (service ${inner.error})`;
      }
    } catch {
      // Cut at 200 characters by the service: fall through to the text.
    }
  }
  return ` (${normalise(message.replace(/^[a-z-]+ /, ""))})`;
}

/** Drops instance ids, ports and numbers so the same cause gets one label. */
export function normalise(message: string): string {
  return (
    message
      // Instance ids end in 8 hex digits (line-controller-1a2b3c4d); the service name stays.
      .replace(/-[0-9a-f]{8}\b/g, "-<id>")
      .replace(/127\.0\.0\.1:\d+/g, "<addr>")
      // Station numbers stay: which stations fail says which rollout step is at fault.
      .replace(/(?<!station )\b\d+\b/g, "N")
      .slice(0, 160)
  );
}
