// Runs before `npm test`: installs the system packages the suites need when run as root (as CI
// is), then builds, because the end-to-end suites run the compiled CLI and sample line.
import { execFileSync } from "node:child_process";

const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });

if (process.getuid?.() === 0 && process.env.LINEOPS_SKIP_SYSTEM_DEPS !== "1") {
  run("bash", ["scripts/system-deps.sh"]);
} else if (process.getuid?.() !== 0) {
  console.error(
    "pretest: not root, so scripts/system-deps.sh was not run; suites needing system packages name the command to run",
  );
}
run("npm", ["run", "build", "--silent"]);
