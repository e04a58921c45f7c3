// Buffered writes of many small strings (exposition or OpenMetrics lines) to a file descriptor:
// the benches' data generators write millions of lines, one writeSync per megabyte.
import { writeSync } from "node:fs";

export class Out {
  private buf: string[] = [];
  private len = 0;
  bytes = 0;
  constructor(private readonly fd: number) {}
  push(s: string): void {
    this.buf.push(s);
    this.len += s.length;
    if (this.len > 1 << 20) {
      this.flush();
    }
  }
  flush(): void {
    if (this.buf.length > 0) {
      const b = Buffer.from(this.buf.join(""), "utf8");
      writeSync(this.fd, b);
      this.bytes += b.length;
      this.buf = [];
      this.len = 0;
    }
  }
}
