// http.hsts — the HTTPS response carries Strict-Transport-Security with max-age of at least a year.
import { notApplicableVerdict, type CheckDefinition } from '../types.ts'
import { TLS_PARTS, type TlsObservation } from './observation.ts'
import { handshakePart } from './observation-parts.ts'
import { UPGRADE_NAMES } from './wire/starttls.ts'

const POPULATION = 'the HTTPS response to one GET of the endpoint'

export interface HstsParams {
  minMaxAge: number
}

/** RFC 6797 §6.1: directives separated by `;`, names case-insensitive, max-age required. */
export function parseHsts(header: string): { maxAge?: number; includeSubDomains: boolean; preload: boolean } {
  let maxAge: number | undefined
  let includeSubDomains = false
  let preload = false
  for (const raw of header.split(';')) {
    const [name = '', ...rest] = raw.trim().split('=')
    const value = rest.join('=').trim().replace(/^"(.*)"$/, '$1')
    const n = name.trim().toLowerCase()
    if (n === 'max-age' && /^\d+$/.test(value)) maxAge = Number(value)
    else if (n === 'includesubdomains') includeSubDomains = true
    else if (n === 'preload') preload = true
  }
  return { maxAge, includeSubDomains, preload }
}

export const httpHsts: CheckDefinition<TlsObservation, HstsParams> = {
  id: 'http.hsts',
  kinds: ['tls'],
  title: 'HTTPS responses require HTTPS for the future (HSTS)',
  description: 'the HTTPS response lacks a Strict-Transport-Security header whose max-age is at least one year, or sends it over a certificate browsers do not trust (they ignore it then)',
  params: [{ name: 'minMaxAge', description: 'minimum max-age in seconds', default: 31_536_000 }],
  severity: { level: 'medium', reason: 'without HSTS an attacker on the network path can strip a first or typed http:// visit down to plain HTTP (SSL stripping), a real exposure that needs that on-path position and leaves https:// links and the TLS configuration itself untouched' },
  // One GET is made; the part holds its response (header present or absent: always judged) or why
  // there is none. That is an error, except when the protocol probe shows every TLS version
  // refused: then the endpoint serves no HTTPS at all and there is no response to judge.
  population: POPULATION,
  needs: [TLS_PARTS.hsts],
  judge(obs, { minMaxAge = 31_536_000 }) {
    // a service reached through an upgrade (SMTP, IMAP, a database…) serves no HTTPS
    const kind = obs.target.starttls
    if (kind) return notApplicableVerdict(`${obs.target.host}:${obs.target.port} is a ${kind} service reached through ${UPGRADE_NAMES[kind]}, not HTTPS: there is no HTTPS response to judge`, { endpoint: `${obs.target.host}:${obs.target.port}`, upgrade: kind })
    const p = handshakePart(obs, 'hsts', POPULATION)
    if ('verdict' in p) return p.verdict
    const { header, url, status } = p.data
    const evidence = [{ kind: 'http-response', description: `GET ${url} → HTTP ${status ?? '?'}`, data: { url, status, strictTransportSecurity: header, certificateTrusted: p.data.certificateTrusted } }]
    const expected = { header: 'Strict-Transport-Security', minMaxAge }
    if (header === null) {
      const summary = `GET ${url} (HTTP ${status}) has no Strict-Transport-Security header`
      return { status: 'failed', summary, expected, actual: { header: null }, observed: { url, status, header: null }, evidence, offenders: [{ id: 'hsts', why: summary }] }
    }
    const parsed = parseHsts(header)
    const observed = { url, status, header, ...parsed }
    if (parsed.maxAge === undefined) {
      const summary = `Strict-Transport-Security "${header}" has no valid max-age`
      return { status: 'failed', summary, expected, actual: { header }, observed, evidence, offenders: [{ id: 'hsts/max-age', why: summary }] }
    }
    // RFC 6797 §8.1: a browser ignores the header when the connection had any certificate error
    // (untrusted chain, wrong host name): the site then has no HSTS in effect, however it is written
    if (p.data.certificateTrusted === false) {
      const summary = `Strict-Transport-Security (max-age ${parsed.maxAge}s) arrives over a connection whose certificate is not trusted for ${obs.target.host}; browsers ignore it there (RFC 6797 §8.1)`
      return { status: 'failed', summary, expected: { ...expected, certificateTrusted: true }, actual: { maxAge: parsed.maxAge, certificateTrusted: false }, observed, evidence, offenders: [{ id: 'hsts/untrusted-certificate', why: summary }] }
    }
    if (parsed.maxAge < minMaxAge) {
      const summary = `HSTS max-age ${parsed.maxAge}s is below ${minMaxAge}s`
      return { status: 'failed', summary, expected, actual: { maxAge: parsed.maxAge }, observed, evidence, offenders: [{ id: 'hsts/max-age', why: summary }] }
    }
    return { status: 'passed', summary: `HSTS max-age ${parsed.maxAge}s${parsed.includeSubDomains ? ', includeSubDomains' : ''}${parsed.preload ? ', preload' : ''}`, expected, actual: { maxAge: parsed.maxAge }, observed, evidence }
  },
}
