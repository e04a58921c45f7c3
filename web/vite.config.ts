// Builds the single-page app into dist/web, where lineops serves it (src/api/routes/web.ts), and
// writes a gzip and a brotli twin of every text asset so the server compresses nothing per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, "../dist/web");

/** Media worth compressing; images other than SVG are compressed already. */
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|map)$/;

function precompress(): Plugin {
  return {
    name: "lineops-precompress",
    apply: "build",
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!COMPRESSIBLE.test(file)) {
          continue;
        }
        const body = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          }),
        );
      }
    },
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

export default defineConfig({
  root: here,
  base: "/",
  // No public/ folder: every file is referenced from the code or index.html and so gets a hashed
  // name under assets/, which the server may cache for a year (see docs/dashboard.md).
  publicDir: false,
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    // Keep every asset a file: CSP forbids data: scripts, and small inlined images gain nothing here.
    assetsInlineLimit: 0,
    target: "es2022",
    reportCompressedSize: false,
    // The Explore chunk is ~510 kB (~170 kB gzip): CodeMirror, the PromQL grammar and uPlot. It
    // loads only on Explore; the shell's entry chunk stays ~230 kB (docs/dashboard.md).
    chunkSizeWarningLimit: 600,
  },
});
