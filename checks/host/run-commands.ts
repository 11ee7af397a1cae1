// Runs allow-listed commands (checks/host/commands.ts) over an authenticated ssh2 connection, one
// after another, each bounded in time and in output. A command never comes from the inventory; one
// that needs root runs as `sudo -n` only when the login may use sudo, else it is an access-denied
// error without being run. A host that hangs, floods or garbles is an error of that command, never a
// hang of the run.
import type { Client, ClientChannel } from 'ssh2'
import type { PartError } from '../ssh/observation.ts'
import { HOST_COMMANDS, type HostCommandId } from './commands.ts'
import type { CommandRecord, HostObservation } from './observation.ts'

const MAX_STDERR = 4 * 1024

export interface RunCommandsOptions {
  /** the login may run `sudo -n` (the inventory's `login.sudo: true`) */
  sudo: boolean
  /** the login is root: root-only commands run as they are */
  root: boolean
  /** budget of each command, ms */
  timeoutMs: number
}

export async function runHostCommands(client: Client, ids: readonly HostCommandId[], opts: RunCommandsOptions): Promise<HostObservation> {
  const out: HostObservation = { commands: {} }
  for (const id of [...new Set(ids)].sort()) out.commands[id] = await runOne(client, id, opts)
  return out
}

function runOne(client: Client, id: HostCommandId, opts: RunCommandsOptions): Promise<CommandRecord | { error: PartError }> {
  const spec = HOST_COMMANDS[id]
  if (spec.sudo && !opts.sudo && !opts.root)
    return Promise.resolve({ error: { kind: 'access-denied', message: `"${spec.run}" needs root: give the login \`sudo: true\` and a sudoers entry for the commands the README lists` } })
  const command = spec.sudo && !opts.root ? `sudo -n ${spec.run}` : spec.run
  const started = performance.now()
  return new Promise((resolve) => {
    let settled = false
    let channel: ClientChannel | undefined
    const chunks: Buffer[] = []
    let bytes = 0
    let stderr = ''
    let truncated = false
    const finish = (r: CommandRecord | { error: PartError }) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      channel?.destroy()
      resolve(r)
    }
    const record = (exitCode: number | null): CommandRecord => ({
      command,
      exitCode,
      stdout: Buffer.concat(chunks).toString('utf8'),
      ...(truncated ? { truncated: true as const } : {}),
      ...(stderr ? { stderr } : {}),
      durationMs: Math.round(performance.now() - started),
    })
    const timer = setTimeout(() => finish({ error: { kind: 'timeout', message: `"${command}" did not finish within ${opts.timeoutMs} ms` } }), opts.timeoutMs)
    try {
      client.exec(command, (err, stream) => {
        if (err) return finish({ error: { kind: 'protocol', message: `the host refused to run "${command}": ${err.message}` } })
        channel = stream
        stream.on('data', (d: Buffer) => {
          if (truncated) return
          const room = spec.maxBytes - bytes
          if (d.length > room) {
            chunks.push(d.subarray(0, room))
            bytes = spec.maxBytes
            truncated = true
            // the rest is not read: the command stops here and what was kept is the record
            return finish(record(null))
          }
          chunks.push(Buffer.from(d))
          bytes += d.length
        })
        stream.stderr.on('data', (d: Buffer) => {
          if (stderr.length < MAX_STDERR) stderr += d.toString('utf8').slice(0, MAX_STDERR - stderr.length)
        })
        let exitCode: number | null = null
        stream.on('exit', (code: number | null) => (exitCode = typeof code === 'number' ? code : null))
        stream.on('close', (code: number | null) => finish(record(typeof code === 'number' ? code : exitCode)))
      })
    } catch (e) {
      finish({ error: { kind: 'protocol', message: `could not run "${command}": ${(e as Error).message}` } })
    }
  })
}
