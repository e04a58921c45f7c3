// A progress line for anything that takes more than a second: redrawn in place on a terminal,
// printed only when it changes otherwise (so CI logs stay readable). Goes to stderr.

export class Progress {
  private last = "";
  private readonly tty = process.stderr.isTTY === true;

  update(text: string): void {
    if (text === this.last) {
      return;
    }
    this.last = text;
    process.stderr.write(this.tty ? `\r\x1b[2K${text}` : `${text}\n`);
  }

  done(text?: string): void {
    if (this.tty && this.last !== "") {
      process.stderr.write("\r\x1b[2K");
    }
    if (text !== undefined) {
      process.stderr.write(`${text}\n`);
    }
    this.last = "";
  }
}
