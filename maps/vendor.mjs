// Copies the browser files the viewer, the dashboard, the folium maps and the API docs use from node_modules into static/vendor/,
// so the service serves them itself (no CDN; works offline). Run by `make assets` after `npm ci`.
import { cpSync, mkdirSync, rmSync } from "node:fs";

const out = new URL("./static/vendor/", import.meta.url);
const files = {
  "maplibre-gl/dist/maplibre-gl-csp.js": "maplibre-gl-csp.js",          // CSP build: worker from a file, not blob:
  "maplibre-gl/dist/maplibre-gl-csp-worker.js": "maplibre-gl-csp-worker.js",
  "maplibre-gl/dist/maplibre-gl.css": "maplibre-gl.css",
  "maplibre-gl/LICENSE.txt": "maplibre-gl.LICENSE.txt",
  "echarts/dist/echarts.esm.min.js": "echarts.esm.min.js",                 // the dashboard's charts (ES module)
  "echarts/LICENSE": "echarts.LICENSE.txt",
  "echarts/NOTICE": "echarts.NOTICE.txt",
  "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
  "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
  "leaflet/dist/images": "leaflet/images",
  "leaflet/LICENSE": "leaflet/LICENSE",
  // /docs and /redoc load these from the service, so the API docs work offline too.
  "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
  "swagger-ui-dist/swagger-ui.css": "swagger-ui/swagger-ui.css",
  "swagger-ui-dist/favicon-32x32.png": "swagger-ui/favicon-32x32.png",
  "swagger-ui-dist/LICENSE": "swagger-ui/LICENSE",
  "redoc/bundles/redoc.standalone.js": "redoc/redoc.standalone.js",
  "redoc/LICENSE": "redoc/LICENSE",
};
rmSync(out, { recursive: true, force: true });
for (const [from, to] of Object.entries(files)) {
  const dest = new URL(to, out);
  mkdirSync(new URL(".", dest), { recursive: true });
  cpSync(new URL(`./node_modules/${from}`, import.meta.url), dest, { recursive: true });
}
console.log(`vendor files copied to ${out.pathname}`);
