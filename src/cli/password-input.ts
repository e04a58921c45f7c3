// Reads a new password for `lineops user`: from a terminal prompt without echo, or from standard
// input with --password-stdin (scripts, secrets managers). Never from a flag: flags land in shell
// history and in `ps` for every user of the machine to read.
import { CliError } from "./client.js";

/** More than any password the server takes (1024 characters): reading stops here. */
const STDIN_LIMIT_BYTES = 64 * 1024;

/** All of standard input, less one trailing line break (what `echo` and here-strings add). */
export async function passwordFromStdin(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += b.length;
    if (size > STDIN_LIMIT_BYTES) {
      throw new CliError(`--password-stdin: more than ${STDIN_LIMIT_BYTES} bytes on standard input`, 2);
    }
    chunks.push(b);
  }
  const text = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (text === "") {
    throw new CliError("--password-stdin: standard input is empty", 2);
  }
  return text;
}

/** One line typed at the terminal, not echoed; Ctrl-C or Ctrl-D on an empty line cancels. */
function promptHidden(prompt: string, input: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (err?: CliError) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      if (err) {
        reject(err);
      } else {
        resolve(value);
      }
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          finish();
          return;
        }
        if (ch === "\u0003" || (ch === "\u0004" && value === "")) {
          finish(new CliError("cancelled", 1));
          return;
        }
        if (ch === "\u007f" || ch === "\b") {
          value = [...value].slice(0, -1).join("");
        } else if (ch >= " ") {
          value += ch;
          if (value.length > STDIN_LIMIT_BYTES) {
            finish(new CliError("password too long", 2));
            return;
          }
        }
      }
    };
    // Echo off before the prompt shows: what is typed the moment it appears is never echoed.
    input.setRawMode(true);
    process.stderr.write(prompt);
    input.setEncoding("utf8");
    input.on("data", onData);
    input.resume();
  });
}

/**
 * The new password: from standard input with --password-stdin, else asked twice at the terminal.
 * Without a terminal and without --password-stdin there is no safe way to get one: usage error.
 */
export async function readNewPassword(who: string, fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) {
    return passwordFromStdin();
  }
  const input = process.stdin;
  if (!input.isTTY) {
    throw new CliError("no terminal to ask for the password on: pipe it in with --password-stdin", 2);
  }
  const first = await promptHidden(`New password for ${who}: `, input);
  const again = await promptHidden("Repeat it: ", input);
  if (first !== again) {
    throw new CliError("the two passwords differ; nothing was changed", 1);
  }
  return first;
}
