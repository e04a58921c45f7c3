// Real receivers on loopback for the routing end-to-end test and bench:alerting: a Mosquitto broker
// of its own on a free port (Debian's, as scripts/system-deps.sh installs it), a subscriber that
// records what the broker hands it, and an SMTP server (the smtp-server package) that records
// every mail it accepts. Each one is started by the caller and stopped by it.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { SMTPServer } from "smtp-server";

export type Broker = { port: number; url: string; stop(): Promise<void> };

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as AddressInfo).port;
  s.close();
  await once(s, "close");
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1", () => {
      sock.end();
      resolve(true);
    });
    sock.on("error", () => resolve(false));
  });
}

/**
 * A real Mosquitto on a free loopback port, ready once it accepts a TCP connection (10 s at most).
 * `sysIntervalS` makes it publish $SYS/broker/clients/connected that often (to watch clients go).
 */
export async function startMosquitto(options: { sysIntervalS?: number } = {}): Promise<Broker> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "lineops-mosquitto-"));
  const conf = path.join(dir, "mosquitto.conf");
  const sys = options.sysIntervalS !== undefined ? `sys_interval ${options.sysIntervalS}\n` : "";
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n${sys}`);
  const proc: ChildProcess = spawn("mosquitto", ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  proc.on("error", (err) => (stderr += err.message));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start (scripts/system-deps.sh installs it): ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        await once(proc, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type MqttMessage = { topic: string; body: string; retain: boolean; at: number };

/** A subscriber (an andon board) on `topic`, recording every message with its arrival time. */
export async function subscribeMqtt(
  url: string,
  topic: string,
  onMessage?: (m: MqttMessage) => void,
): Promise<{ messages: MqttMessage[]; close(): Promise<void> }> {
  const client: MqttClient = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
  const messages: MqttMessage[] = [];
  client.on("message", (t, payload, packet) => {
    const m = { topic: t, body: payload.toString(), retain: packet.retain, at: performance.now() };
    messages.push(m);
    onMessage?.(m);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return { messages, close: () => client.endAsync() };
}

export type ReceivedMail = { from: string; to: string[]; raw: string; at: number };

/** A plain SMTP server on a free loopback port (no TLS, no AUTH), recording every accepted mail. */
export async function startSmtp(onMail?: (m: ReceivedMail) => void): Promise<{
  port: number;
  smarthost: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const mail = {
          from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          at: performance.now(),
        };
        mails.push(mail);
        onMail?.(mail);
        cb(null, "Message queued");
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    smarthost: `127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
