// How a channel reports one attempt: a receipt when the receiver confirmed, otherwise an error
// classified as worth retrying or not, with every secret scrubbed from the text first.
import type { ChannelType, SendResult } from "../channel.js";

export type ChannelIdentity = { readonly name: string; readonly type: ChannelType };

export function delivered(ch: ChannelIdentity, key: string, detail: string, now: number): SendResult {
  return { ok: true, receipt: { channel: ch.name, type: ch.type, key, at: now, detail } };
}

export function failed(error: string, retriable: boolean, status?: number): SendResult {
  return { ok: false, retriable, error, ...(status !== undefined ? { status } : {}) };
}

/**
 * An HTTP answer that is not the success the channel expects. 5xx, 408 and 429 may pass (the
 * receiver is busy or down); any other 4xx says the request itself is wrong (a revoked key, a bad
 * payload), which sending it again cannot fix.
 */
export function httpFailure(status: number, body: string): SendResult {
  const retriable = status >= 500 || status === 408 || status === 429 || status < 200;
  const details = body.trim().slice(0, 512);
  return failed(`unexpected status code ${status}${details === "" ? "" : `: ${details}`}`, retriable, status);
}

/** `text` with every non-empty secret replaced, for errors that might echo a request back. */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s !== undefined && s.length >= 4) {
      out = out.split(s).join("<secret>");
    }
  }
  return out;
}
