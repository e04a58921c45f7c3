// Server-Sent Events framing (WHATWG HTML "server-sent events"): one event is `event:`, `id:` and
// `data:` lines ended by a blank line; a line starting with ":" is a comment, which keeps proxies
// from closing an idle stream and which EventSource ignores.

/**
 * One event. Without `id` the browser keeps its last event id, so events that cannot be replayed
 * (query results, control events) never move the client's resume point.
 */
export function sseEvent(event: string, data: string, id?: string): string {
  // JSON.stringify never emits raw newlines; splitting keeps any other text well-formed too.
  const lines = data.split(/\r\n|\r|\n/).map((l) => `data: ${l}\n`);
  return `event: ${event}\n${id === undefined ? "" : `id: ${id}\n`}${lines.join("")}\n`;
}

/** A comment line: ignored by EventSource, traffic for every proxy on the way. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, " ")}\n\n`;
}

/** How long EventSource waits before reconnecting after the stream ends. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}
