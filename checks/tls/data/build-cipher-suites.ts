// Regenerates cipher-suites.json from cipher-suites.tsv (both in this folder):
//   node checks/tls/data/build-cipher-suites.ts [path/to/tls-cipher-suites.tsv]
// The TSV is a copy of the project's reference table (IANA registry facts plus legacy SSLv2 codes and
// OpenSSL names, tabulated from testssl.sh's cipher mapping). The JSON is what Vigil reads at run time,
// so a run never depends on files outside the repository.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface CipherSuiteRow {
  /** wire code as hex, `0x00,0x2F` (two bytes) or `0x07,0x00,0xC0` (three bytes: SSLv2 cipher spec) */
  code: string
  /** OpenSSL name, null where OpenSSL has none */
  openssl: string | null
  /** IANA name, null where the registry has none (vendor suites) */
  iana: string | null
  /** lowest protocol version the suite is defined for: SSLv2, SSLv3, TLSv1, TLSv1.2, TLSv1.3 */
  protocol: string
  /** key exchange as in the table: RSA, DH, ECDH (ephemeral), DH/RSA, ECDH/ECDSA (static), PSK, any (TLS 1.3), … */
  kx: string
  au: string
  /** e.g. `AESGCM(128)`, `3DES(168)`, `None` */
  enc: string
  /** e.g. `SHA1`, `AEAD`, `MD5`, `Null` */
  mac: string
  export: boolean
}

export function parseCipherSuiteTsv(text: string): CipherSuiteRow[] {
  const rows: CipherSuiteRow[] = []
  let header: string[] | undefined
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue
    const cols = line.split('\t')
    if (!header) {
      header = cols
      const want = ['code', 'openssl', 'iana', 'protocol', 'kx', 'au', 'enc', 'mac', 'export']
      if (want.some((w, i) => header![i] !== w)) throw new Error(`unexpected TSV header: ${line}`)
      continue
    }
    const [code, openssl, iana, protocol, kx, au, enc, mac, exp] = cols
    if (!/^0x[0-9A-F]{2}(,0x[0-9A-F]{2}){1,2}$/.test(code ?? '')) throw new Error(`bad code in line: ${line}`)
    rows.push({
      code: code!,
      openssl: !openssl || openssl === '-' ? null : openssl,
      iana: !iana || iana === '-' ? null : iana,
      protocol: protocol!,
      kx: kx!,
      au: au!,
      enc: enc!,
      mac: mac!,
      export: exp === 'export',
    })
  }
  return rows
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = new URL('.', import.meta.url)
  const src = process.argv[2] ?? fileURLToPath(new URL('cipher-suites.tsv', here))
  const rows = parseCipherSuiteTsv(readFileSync(src, 'utf8'))
  writeFileSync(new URL('cipher-suites.json', here), JSON.stringify(rows, null, 1) + '\n')
  console.log(`wrote ${rows.length} suites to cipher-suites.json`)
}
