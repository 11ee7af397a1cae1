import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  CIPHER_SUITES,
  SUITE_CATEGORIES,
  isForwardSecret,
  suiteByCode,
  suiteByName,
  suiteInCategory,
  suiteName,
  suitesForVersion,
  weakReasons,
} from '../../checks/tls/cipher-suites.ts'
import { groupByCode, groupByName, groupName, inMozillaCurves, isWeakGroup } from '../../checks/tls/named-groups.ts'
import { parseCipherSuiteTsv } from '../../checks/tls/data/build-cipher-suites.ts'
import mozilla from '../../checks/tls/data/mozilla-6.0.json' with { type: 'json' }
import { TLS_VERSIONS } from '../../checks/tls/observation.ts'

describe('cipher-suite catalog', () => {
  it('is the generated copy of the TSV in checks/tls/data', () => {
    const tsv = readFileSync(new URL('../../checks/tls/data/cipher-suites.tsv', import.meta.url), 'utf8')
    const json = JSON.parse(readFileSync(new URL('../../checks/tls/data/cipher-suites.json', import.meta.url), 'utf8'))
    expect(parseCipherSuiteTsv(tsv)).toEqual(json)
    expect(CIPHER_SUITES).toHaveLength(374)
  })

  it('looks suites up by wire code and by IANA or OpenSSL name', () => {
    expect(suiteByCode(0xc02f)?.name).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')
    expect(suiteByCode(0x1301)?.protocol).toBe('TLSv1.3')
    expect(suiteByCode(0x010080, true)?.name).toBe('SSL_CK_RC4_128_WITH_MD5')
    expect(suiteByName('ECDHE-RSA-AES128-GCM-SHA256')?.code).toBe(0xc02f)
    expect(suiteByName('TLS_RSA_WITH_3DES_EDE_CBC_SHA')?.openssl).toBe('DES-CBC3-SHA')
    expect(suiteName(0xc02f)).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')
    expect(suiteName(0xabcd)).toBe('0xAB,0xCD')
    // vendor suites without an IANA name are reported by their OpenSSL name
    expect(suiteByCode(0xff85)?.name).toBe('GOST2012256-GOST89-GOST89')
  })

  it('splits every protocol\'s suites into fs and non-fs without overlap', () => {
    for (const v of TLS_VERSIONS) {
      const all = suitesForVersion(v)
      expect(all.length).toBeGreaterThan(0)
      const fs = all.filter((s) => suiteInCategory(s, 'fs'))
      const nonFs = all.filter((s) => suiteInCategory(s, 'non-fs'))
      expect(fs.length + nonFs.length).toBe(all.length)
    }
    expect(suitesForVersion('TLSv1.3').every((s) => isForwardSecret(s))).toBe(true)
  })

  it('counts anonymous (EC)DH as weak and not forward secret, authenticated ephemeral as forward secret', () => {
    expect(isForwardSecret('TLS_DH_anon_WITH_AES_128_CBC_SHA')).toBe(false)
    expect(weakReasons('TLS_DH_anon_WITH_AES_128_CBC_SHA')).toEqual(['anonymous'])
    expect(isForwardSecret('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384')).toBe(true)
    expect(isForwardSecret('TLS_DHE_RSA_WITH_AES_128_CBC_SHA')).toBe(true)
    expect(isForwardSecret('TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256')).toBe(true)
    expect(isForwardSecret('TLS_RSA_WITH_AES_128_GCM_SHA256')).toBe(false)
    expect(isForwardSecret('TLS_ECDH_RSA_WITH_AES_128_CBC_SHA')).toBe(false)
  })

  it('names why a suite is weak', () => {
    expect(weakReasons('TLS_RSA_WITH_RC4_128_MD5')).toEqual(['RC4', 'MD5 MAC'])
    expect(weakReasons('TLS_RSA_WITH_3DES_EDE_CBC_SHA')).toEqual(['3DES'])
    expect(weakReasons('TLS_RSA_WITH_DES_CBC_SHA')).toEqual(['DES'])
    expect(weakReasons('TLS_RSA_WITH_NULL_SHA256')).toEqual(['NULL encryption'])
    expect(weakReasons('TLS_RSA_EXPORT_WITH_RC4_40_MD5')).toEqual(['EXPORT', 'RC4', 'MD5 MAC'])
    expect(weakReasons('TLS_RSA_WITH_IDEA_CBC_SHA')).toEqual(['IDEA'])
    expect(weakReasons('TLS_SHA256_SHA256')).toEqual(['NULL encryption'])
    expect(weakReasons('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')).toEqual([])
    expect(weakReasons('TLS_RSA_WITH_AES_128_CBC_SHA')).toEqual([])
    expect(weakReasons('no such suite')).toEqual([])
  })

  it('places exactly the Mozilla 6.0 suites inside its profiles', () => {
    const inter = [...mozilla.configurations.intermediate.ciphersuites, ...mozilla.configurations.intermediate.ciphers.iana]
    for (const s of inter) {
      expect(suiteByName(s), s).toBeDefined()
      expect(suiteInCategory(s, 'outside-intermediate')).toBe(false)
    }
    expect(suiteInCategory('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'outside-modern')).toBe(true)
    expect(suiteInCategory('TLS_AES_128_GCM_SHA256', 'outside-modern')).toBe(false)
    expect(suiteInCategory('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'outside-intermediate')).toBe(true)
    expect(CIPHER_SUITES.filter((s) => !suiteInCategory(s, 'outside-intermediate'))).toHaveLength(inter.length)
    expect(SUITE_CATEGORIES).toContain('all')
  })

  it('offers mainstream suites first, so one 128-suite hello covers a normal server', () => {
    const first = suitesForVersion('TLSv1.2').slice(0, 128).map((s) => s.name)
    for (const s of mozilla.configurations.intermediate.ciphers.iana) expect(first).toContain(s)
    expect(first).toContain('TLS_RSA_WITH_AES_128_CBC_SHA')
    expect(first).toContain('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256')
  })
})

describe('named groups', () => {
  it('maps codes and names, including OpenSSL aliases', () => {
    expect(groupByCode(29)?.name).toBe('x25519')
    expect(groupByName('prime256v1')?.code).toBe(23)
    expect(groupByName('X25519MLKEM768')?.code).toBe(0x11ec)
    expect(groupName(0x7777)).toBe('0x7777')
  })

  it('calls curves below 256 bits weak', () => {
    expect(isWeakGroup(groupByName('secp224r1')!)).toBe(true)
    expect(isWeakGroup(groupByName('sect163k1')!)).toBe(true)
    expect(isWeakGroup(groupByName('secp256r1')!)).toBe(false)
    expect(isWeakGroup(groupByName('x25519')!)).toBe(false)
    expect(isWeakGroup(groupByName('ffdhe2048')!)).toBe(false)
  })

  it('knows the Mozilla curve list', () => {
    for (const c of ['X25519MLKEM768', 'x25519', 'secp256r1', 'prime256v1', 'secp384r1']) expect(inMozillaCurves(c), c).toBe(true)
    for (const c of ['secp521r1', 'x448', 'ffdhe2048', 'brainpoolP256r1', 'secp192r1']) expect(inMozillaCurves(c), c).toBe(false)
  })
})
