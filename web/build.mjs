// Bundles the app into dist/: content-hashed files under assets/ (cached for a year) and an index.html
// that names them (revalidated on every load). No inline script or style anywhere, so the page's CSP can forbid them.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';

const out = 'dist';
await rm(out, { recursive: true, force: true });
const result = await build({
  entryPoints: ['src/main.ts', 'src/styles.css'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outdir: path.join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs);
const named = (entry) => {
  const found = outputs.find(([, meta]) => meta.entryPoint === entry);
  if (!found) throw new Error(`no output for ${entry}`);
  return '/' + path.relative(out, found[0]).split(path.sep).join('/');
};

const html = (await readFile('src/index.html', 'utf8'))
  .replace('{{script}}', named('src/main.ts'))
  .replace('{{style}}', named('src/styles.css'));
await writeFile(path.join(out, 'index.html'), html);
await mkdir(out, { recursive: true });
await copyFile('src/favicon.svg', path.join(out, 'favicon.svg'));
console.log(`web: built ${outputs.length} assets into ${out}/`);
