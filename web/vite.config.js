// Builds the demo app into ../internal/demoweb/dist, which the Go binary
// embeds (go:embed): `gonetify serve` needs no Node at run time.
import { defineConfig } from "vite";
import { thirdPartyNotices } from "./notices.js";

export default defineConfig({
  // Absolute asset URLs: the server answers deep links such as
  // /examples/bookstore/book/the-martian (dotNetify's router uses the
  // page's path) with index.html, whose assets must load from any path.
  base: "/",
  // The Vue page renders with h(): Vue's runtime-only build is enough (the
  // dotnetify/vue bundle's require("vue") would otherwise pull in the
  // template compiler).
  resolve: { alias: { vue: "vue/dist/vue.runtime.esm-bundler.js" } },
  // Vue's esm-bundler build: options API on, no devtools in production.
  define: {
    __VUE_OPTIONS_API__: "true",
    __VUE_PROD_DEVTOOLS__: "false",
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false",
  },
  esbuild: { jsx: "automatic" },
  plugins: [thirdPartyNotices()],
  build: {
    outDir: "../internal/demoweb/dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
    // Two pages: the React app (index.html) and the Vue page (vue.html).
    rollupOptions: { input: { main: "index.html", vue: "vue.html" } },
  },
});
