// The hosts of `vigil lab`: real Debian hosts (lab/hosts/test-hosts.ts) judged by the host checks
// over their audit login — a hardened one and two that each leave one property weak. They live in a
// network namespace of this process's own; the lab's Vigil reaches them through forwarders on
// 127.0.0.1 (lab/hosts/forward.ts). Root only (namespaces, overlay mounts); skipped otherwise.
import { buildTestHostBase, startTestHost, testHostsUnavailable, testNetns, type TestHost, type TestHostVariant } from './test-hosts.ts'
import { forwardIntoTestNetns, type Forward } from './forward.ts'

export interface LabHostSection {
  targets: { ssh: unknown[] }
  notes: { name: string; shows: string; expect: Record<string, string> }[]
  stop(): Promise<void>
}

const HOSTS: { name: string; variant: TestHostVariant; shows: string; expect: Record<string, string> }[] = [
  {
    name: 'lab-host-good',
    variant: 'hardened',
    shows: 'Debian 12 host: updates applied, unattended-upgrades on, inbound default deny, root alone at UID 0, audited, encrypted, in time (stock sshd)',
    expect: {
      'host.patches': 'passed',
      'host.auto-updates': 'passed',
      'host.firewall': 'passed',
      'host.accounts': 'passed',
      'host.disk-encryption': 'passed',
      'host.time-sync': 'passed',
      'host.audit-logging': 'passed',
      // Debian's stock sshd still offers SHA-1 and non-ETM MACs and password logins
      'host.sshd-effective': 'failed',
    },
  },
  { name: 'lab-host-unpatched', variant: 'outdated-package', shows: 'Debian 12 host with a security update pending (vigil-probe-demo 1.0 → 1.1)', expect: { 'host.patches': 'failed' } },
  { name: 'lab-host-open', variant: 'firewall-open', shows: 'Debian 12 host with no firewall: every listening port reachable', expect: { 'host.firewall': 'failed' } },
]

export async function startHostSection(log: (l: string) => void): Promise<LabHostSection | undefined> {
  const why = testHostsUnavailable()
  if (why) {
    log(`lab: host targets skipped: ${why}`)
    return undefined
  }
  try {
    await buildTestHostBase()
  } catch (e) {
    log(`lab: host targets skipped: the Debian base could not be built (scripts/build-test-hosts.sh): ${(e as Error).message.split('\n')[0]}`)
    return undefined
  }
  const netns = await testNetns()
  const hosts: TestHost[] = []
  const forwards: Forward[] = []
  const stop = async () => {
    await Promise.all(forwards.map((f) => f.stop()))
    await Promise.all(hosts.map((h) => h.stop()))
    // the namespace's holder process goes last: nothing of the hosts is left, and this process can exit
    await netns.stop()
  }
  try {
    const started = await Promise.all(HOSTS.map((h) => startTestHost(h.variant, { name: h.name })))
    hosts.push(...started)
    forwards.push(...(await Promise.all(started.map((h) => forwardIntoTestNetns(h.address, h.port)))))
    const targets = started.map((h, i) => ({
      name: HOSTS[i]!.name,
      host: h.name,
      address: '127.0.0.1',
      port: forwards[i]!.port,
      hostKey: h.hostKeys.find((k) => k.type.includes('ed25519'))!.fingerprint,
      tags: ['host'],
      login: { user: h.user, privateKeyFile: h.privateKeyFile, sudo: true },
    }))
    return { targets: { ssh: targets }, notes: HOSTS.map(({ name, shows, expect }) => ({ name, shows, expect })), stop }
  } catch (e) {
    await stop()
    throw e
  }
}
