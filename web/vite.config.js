// Builds the demo app into ../internal/demoweb/dist, which the Go binary
// embeds (go:embed): `gonetify serve` needs no Node at run time.
import { defineConfig } from "vite";
import { thirdPartyNotices } from "./notices.js";

export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic" },
  plugins: [thirdPartyNotices()],
  build: {
    outDir: "../internal/demoweb/dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
