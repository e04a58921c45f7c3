// Structured JSON-lines logging on stdout: lineops captures each instance's output, and one JSON
// object per line is easy to grep and to parse (the test helper reads the "listening" line).

export type Logger = {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
};

export function createLogger(base: Record<string, unknown>): Logger {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ ts: new Date().toISOString(), level, ...base, msg, ...fields });
    // stderr for errors so a plain `2>` still separates them from the info stream.
    (level === "error" ? process.stderr : process.stdout).write(line + "\n");
  };
  return {
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
  };
}
