// Copies the inspector page (HTML, CSS, JS: no build step, no CDN) next to the compiled server.
import { cpSync } from 'node:fs';

cpSync(new URL('../src/inspector/page/', import.meta.url), new URL('../dist/inspector/page/', import.meta.url), { recursive: true });
