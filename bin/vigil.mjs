#!/usr/bin/env -S node --min-semi-space-size=12 --max-semi-space-size=12 --heap-growing-percent=100 --expose-gc
// The Node flags above are part of how Vigil runs (bench/tls.ts reads them from this line). A fleet
// run allocates fast and keeps little (a 1,000-endpoint TLS run: ~60 MB live), so V8's own limits,
// not the data, set its peak memory (bench/tls.ts, README "Performance"):
// --max-semi-space-size=12 caps the young generation at 12 MB per semi-space (the default grows to
// 64 MB; 8 MB cost ~0.2 s more CPU at 1,000 endpoints for 17 MB less peak, and the peak at 5,000
// stayed 1.21–1.30× the peak at 1,000 with either), and --min-semi-space-size=12 starts it there (it
// would grow from 1 MB through a dozen collections while the modules load: ~20 ms of the CPU before
// the first connection); --heap-growing-percent=100 lets the old generation grow to twice what survived its last
// collection before collecting again (V8 otherwise lets it grow up to four times while collections
// are cheap: peak 345 → 285 MB at 1,000 endpoints, CPU unchanged within the noise; 30 % gave 265 MB
// for 1 s more CPU); --expose-gc lets the run collect between its stages (runner/run.ts). Started as
// `node bin/vigil.mjs`, it runs without them.
// Plain JavaScript on purpose: it must give a clear message on an old Node before any TypeScript loads.
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  process.stderr.write(
    `vigil: needs Node 24 or newer (this is Node ${process.versions.node}). ` +
      'Run it through npm (`npm run vigil -- …`, `npx vigil …`), which uses the Node 24 the project installs, ' +
      'or put node_modules/.bin first on PATH.\n',
  )
  process.exit(2)
}
// Node's on-disk compile cache (V8 code and the type-stripped TypeScript): CPU to a TLS run's first
// connection 0.44 s cold, 0.22 s warm. NODE_COMPILE_CACHE (or NODE_DISABLE_COMPILE_CACHE) wins; else a
// portable cache beside Vigil's own dependencies (node_modules/.cache/vigil-compile-cache), which outlives
// /tmp cleaning, moves with the installation and can be cached by CI with node_modules; else the system's
// temporary folder. Best effort: no writable folder only means no cache.
try {
  const { enableCompileCache, constants } = await import('node:module')
  const { fileURLToPath } = await import('node:url')
  const own = !process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE
  const dir = fileURLToPath(new URL('../node_modules/.cache/vigil-compile-cache', import.meta.url))
  const r = own ? enableCompileCache?.({ directory: dir, portable: true }) : undefined
  if (!own || r?.status === constants?.compileCacheStatus?.FAILED) enableCompileCache?.()
} catch {
  // no cache
}
const { main } = await import('../cli/vigil.ts')
await main(process.argv)
