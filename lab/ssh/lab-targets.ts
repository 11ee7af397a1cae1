// The SSH part of `vigil lab`: a good and a bad sshd, an audit key authorised on both, and a key
// folder — returned as inventory entries plus the environment variable holding the audit key's
// passphrase (the inventory only ever names the variable).
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { KeyDirTarget, SshTarget } from '../../checks/ssh/target.ts'
import { createLabKeyFolder, type LabKeyFolder } from './key-folder.ts'
import { startLabSshd, type LabSshd } from './sshd.ts'

const run = promisify(execFile)
export const LAB_PASSPHRASE_ENV = 'VIGIL_LAB_SSH_PASSPHRASE'

export interface SshLab {
  servers: { good: LabSshd; bad: LabSshd }
  keyFolder: LabKeyFolder
  targets: { ssh: SshTarget[]; keyDirs: KeyDirTarget[] }
  /** set these in the environment of `vigil run` */
  env: Record<string, string>
  stop(): Promise<void>
}

/** Starts the lab under `dir` (emptied first: ssh-keygen will not overwrite a key). Needs root: sshd, and root as audit user. */
export async function startSshLab(dir: string): Promise<SshLab> {
  // a second `npm run demo` into the same folder must work: the lab owns this folder
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  await chmod(dir, 0o755)
  const passphrase = randomBytes(18).toString('base64url')
  const auditKey = join(dir, 'vigil_audit')
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'vigil-lab-audit', '-f', auditKey], { timeout: 30_000 })
  const pub = await readFile(`${auditKey}.pub`, 'utf8')
  const keyFolder = await createLabKeyFolder(join(dir, 'keys'), { corpus: 'quick' })
  // a folder with files but no key: nothing to judge, so the key checks are not applicable (never passed)
  const noKeys = join(dir, 'no-keys')
  await mkdir(noKeys, { recursive: true })
  await writeFile(join(noKeys, 'README.txt'), 'deploy notes: no key material in this folder\n')
  const good = await startLabSshd({ profile: 'hardened', dir: join(dir, 'sshd-good'), authorizedKeys: pub, hostKeys: ['ed25519'] })
  let bad: LabSshd
  try {
    bad = await startLabSshd({ profile: 'legacy', dir: join(dir, 'sshd-bad'), authorizedKeys: pub, hostKeys: ['rsa:2048', 'dsa', 'ed25519'] })
  } catch (e) {
    await good.stop()
    throw e
  }
  const login = { user: 'root', privateKeyFile: auditKey, passphraseEnv: LAB_PASSPHRASE_ENV }
  return {
    servers: { good, bad },
    keyFolder,
    targets: {
      ssh: [
        // root cannot log in to the hardened server (PermitRootLogin no): it is checked from outside only
        { name: 'lab-ssh-good', host: '127.0.0.1', port: good.port, hostKey: good.hostKeys[0]!.fingerprint, keyPaths: [], tags: ['lab', 'good'] },
        { name: 'lab-ssh-bad', host: '127.0.0.1', port: bad.port, login, keyPaths: [join(dir, 'keys')], tags: ['lab', 'bad'] },
      ],
      keyDirs: [
        { name: 'lab-keys', path: keyFolder.dir, tags: ['lab'] },
        { name: 'lab-no-keys', path: noKeys, tags: ['lab'] },
      ],
    },
    env: { [LAB_PASSPHRASE_ENV]: passphrase },
    async stop() {
      await Promise.all([good.stop(), bad.stop()])
    },
  }
}
