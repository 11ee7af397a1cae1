// TLS phrases: parse the parameters, hand them to the check. No probing here.
import { Then } from '@cucumber/cucumber'
import type { VigilWorld } from './support/world.ts'

Then('no certificate in the served chain expires within {int} days', function (this: VigilWorld, days: number) {
  return this.judge('tls.cert.expiry', { days })
})

Then('the served certificate chain builds to a trusted root', function (this: VigilWorld) {
  return this.judge('tls.cert.trust', {})
})

Then("the leaf certificate is valid for the endpoint's host name", function (this: VigilWorld) {
  return this.judge('tls.cert.hostname', {})
})

Then('every certificate key is at least {int}-bit RSA or {int}-bit EC', function (this: VigilWorld, minRsaBits: number, minEcBits: number) {
  return this.judge('tls.cert.key-strength', { minRsaBits, minEcBits })
})

Then('no certificate below the root is signed with SHA-1 or MD5', function (this: VigilWorld) {
  return this.judge('tls.cert.signature', { forbidden: ['sha1', 'md5', 'md2'] })
})

Then('the service offers TLS and accepts it', function (this: VigilWorld) {
  return this.judge('tls.required', {})
})

Then('only TLS 1.2 or TLS 1.3 is accepted', function (this: VigilWorld) {
  return this.judge('tls.protocols', { forbidden: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1'] })
})

Then('every accepted cipher suite uses ephemeral key exchange', function (this: VigilWorld) {
  return this.judge('tls.forward-secrecy', { mode: 'all' })
})

Then('at least one accepted cipher suite uses ephemeral key exchange', function (this: VigilWorld) {
  return this.judge('tls.forward-secrecy', { mode: 'offered' })
})

Then('no NULL, EXPORT, anonymous, RC4, DES, 3DES, IDEA or MD5 cipher suite is accepted', function (this: VigilWorld) {
  return this.judge('tls.ciphers.weak', {})
})

Then('DHE groups are at least {int} bits and ECDHE curves at least {int} bits', function (this: VigilWorld, minDhBits: number, minEcBits: number) {
  return this.judge('tls.dh-strength', { minDhBits, minEcBits })
})

Then('nothing outside the Mozilla {string} TLS profile is accepted', function (this: VigilWorld, profile: string) {
  if (profile !== 'intermediate' && profile !== 'modern') throw new Error(`unknown Mozilla profile "${profile}": use "intermediate" or "modern"`)
  return this.judge('tls.profile', { profile })
})

Then('the HTTPS response sets Strict-Transport-Security with max-age of at least {int} days', function (this: VigilWorld, days: number) {
  return this.judge('http.hsts', { minMaxAge: days * 86_400 })
})
