// Offline commands: the `lineops` commands that work on this machine rather than talking to a
// running lineops over HTTP — serve and demo (run the control plane in this process), check (validate
// files), tsdb import (write the data directory's TSDB), admin-token (write the store).
//
// Their rule (eslint.config.js): an offline command may import the engines, the store, config and
// model, src/main.ts (serve and demo only), src/version.ts, src/errors.ts and the CLI's output
// helpers (cli/output.ts, cli/progress.ts). It never imports src/api/ (what the server does is
// reached through main.ts), the online commands or the HTTP client. What only its action needs is
// loaded with import() there, so that online commands do not pay for it at start.
export { registerAdminTokenCommand } from "./admin-token.js";
export { registerCheckCommands } from "./check.js";
export { registerServeCommands } from "./serve.js";
export { registerTsdbCommands } from "./tsdb.js";
