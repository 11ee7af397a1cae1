// How a TLS observation was obtained (operations) and what it covered (population), for the
// provenance every finding carries. Pure: counts read off the stored observation.
import type { TlsObservation } from './observation.ts'

export function summarizeTlsObservation(o: TlsObservation): { operations: Record<string, unknown>; population: Record<string, number> } {
  const accepted = new Set<string>()
  if (o.suites && !o.suites.error) for (const cats of Object.values(o.suites.byProtocol)) for (const list of Object.values(cats ?? {})) for (const s of list ?? []) accepted.add(s)
  return {
    // a `starttls:` target makes its upgrade on every connection
    operations: { rawHellos: o.stats.rawHellos, fullHandshakes: o.stats.fullHandshakes, connections: o.stats.connections, ...(o.target.starttls ? { upgradeEachConnection: o.target.starttls } : {}) },
    population: {
      helloExchanges: o.hellos.length,
      protocolsAccepted: o.protocols && !o.protocols.error ? o.protocols.accepted.length : 0,
      suitesAccepted: accepted.size,
      certificatesServed: o.certificate && !o.certificate.error ? o.certificate.certs.length : 0,
    },
  }
}
