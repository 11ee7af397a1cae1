// Vigil's own folder (where the shipped policy library, package.json and data live), whatever the
// current directory.
import { fileURLToPath } from 'node:url'

export const VIGIL_ROOT = fileURLToPath(new URL('..', import.meta.url))
