// What of a failed send's error is stored and shown: channels promise errors without secrets, but
// a URL in an error from a lower layer (fetch, a proxy) can carry one in its path or query — a Slack
// webhook's path IS its secret — so every URL is cut down to its origin, and the text is bounded.

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const MAX_LENGTH = 500;

export function errorText(error: string): string {
  const scrubbed = error.replace(URL_PATTERN, (url) => {
    try {
      const u = new URL(url);
      return u.pathname === "/" && !u.search ? `${u.protocol}//${u.host}` : `${u.protocol}//${u.host}/…`;
    } catch {
      return "<url>";
    }
  });
  return scrubbed.length > MAX_LENGTH ? `${scrubbed.slice(0, MAX_LENGTH - 1)}…` : scrubbed;
}
