// tls.cert.expiry — every certificate in the served chain is valid now and for at least N more days.
import type { CheckDefinition, Verdict } from '../types.ts'
import { TLS_PARTS, type TlsObservation } from './observation.ts'
import { DAY_MS, chainEvidence, servedChain } from './certificate-chain.ts'
import { certOffenderId, offenderList } from './offenders.ts'

const POPULATION = 'certificates in the served chain'

export interface CertExpiryParams {
  days: number
}

export const certExpiry: CheckDefinition<TlsObservation, CertExpiryParams> = {
  id: 'tls.cert.expiry',
  kinds: ['tls'],
  title: 'Certificates in the served chain are valid and not about to expire',
  description: 'any certificate in the served chain expires within N days, is expired, or is not yet valid',
  params: [{ name: 'days', description: 'minimum days of validity left for every certificate in the chain', default: 30 }],
  // an offender that is already expired or not yet valid is `critical` (see judge)
  severity: {
    level: 'high',
    reason: 'a certificate that lapses makes every client refuse the endpoint, so one inside the renewal window is an outage already scheduled unless it is renewed (one already expired or not yet valid is critical: the outage has begun)',
  },
  population: POPULATION,
  needs: [TLS_PARTS.certificate],
  judge(obs, { days = 30 }, { now }) {
    const p = servedChain(obs, POPULATION)
    if ('verdict' in p) return p.verdict
    const certs = p.data.certs.map((c) => ({
      subject: c.subject,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      daysLeft: Math.floor((Date.parse(c.notAfter) - now.getTime()) / DAY_MS),
      notYetValid: Date.parse(c.notBefore) > now.getTime(),
      expired: Date.parse(c.notAfter) <= now.getTime(),
    }))
    const soonest = certs.reduce((a, b) => (b.daysLeft < a.daysLeft ? b : a))
    const problems = certs.filter((c) => c.expired || c.notYetValid || c.daysLeft < days)
    const describe = (c: (typeof certs)[number]) =>
      c.expired ? `${c.subject} expired on ${c.notAfter.slice(0, 10)}` : c.notYetValid ? `${c.subject} is not valid before ${c.notBefore.slice(0, 10)}` : `${c.subject} expires in ${c.daysLeft} day(s) (${c.notAfter.slice(0, 10)})`
    const verdict: Verdict = {
      status: problems.length ? 'failed' : 'passed',
      summary: problems.length
        ? problems.map(describe).join('; ')
        : `all ${certs.length} certificate(s) valid for at least ${soonest.daysLeft} more days (soonest: ${soonest.subject}, ${soonest.notAfter.slice(0, 10)})`,
      expected: { minDaysLeft: days, validNow: true },
      actual: { soonestExpiry: { subject: soonest.subject, notAfter: soonest.notAfter, daysLeft: soonest.daysLeft }, problems: problems.map(describe) },
      observed: { checkedAt: now.toISOString(), certificates: certs },
      evidence: [chainEvidence(p.data)],
    }
    if (!problems.length) return verdict
    const offenders = problems.map((c) => ({
      id: certOffenderId(p.data, certs.indexOf(c)),
      why: describe(c),
      // every client refuses it now: the outage has begun, it is not merely coming
      ...(c.expired || c.notYetValid ? { severity: 'critical' as const } : {}),
    }))
    return { ...verdict, offenders: offenderList(offenders) }
  },
}
