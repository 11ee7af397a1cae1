// The evidence locker: where each bundle is kept so that nobody — not the team, not an attacker with
// the team's credentials — can change or delete it before its retention ends. CI runners are
// ephemeral: the record cannot live on the disk of the machine that ran last night.
//
// - `s3://bucket/prefix`: one PutObject per bundle carrying `x-amz-checksum-sha256` and an Object
//   Lock retention in COMPLIANCE mode until now + `retentionDays`; the bucket must have Object Lock
//   on with a default retention of at least `minRetentionDays` (checked first, refused otherwise);
//   the object's VersionId is recorded and the SHA-256 S3 computed is read back and compared. The
//   locker has its own credentials (write-only policy: locker/vigil-locker-policy.json), never the
//   audit's read-only ones.
// - a local folder (`file:///path` or a path): the bundle is copied, made read-only, its SHA-256
//   checked; an existing copy is never overwritten.
import { createHash } from 'node:crypto'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../core/config-file.ts'

export interface LockerCredentials {
  region: string
  profile?: string
  roleArn?: string
  externalId?: string
  /** an emulator or a proxy in front of S3; never set for real AWS */
  endpoint?: string
}

export interface LockerOptions {
  url: string
  /** COMPLIANCE retention of each bundle, days */
  retentionDays: number
  /** refuse a bucket whose default retention is shorter */
  minRetentionDays: number
  credentials?: LockerCredentials
  timeoutMs?: number
}

export interface Stored {
  /** where it is: s3://bucket/key, or the file */
  location: string
  /** the S3 object version, or the SHA-256 for a folder */
  version: string
  sha256: string
  retainUntil?: string
}

export function parseLockerUrl(url: string): { kind: 's3'; bucket: string; prefix: string } | { kind: 'dir'; dir: string } {
  if (url.startsWith('s3://')) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url)
    if (!m) throw new ConfigError(`--locker ${url}: not an S3 location like s3://bucket/prefix`)
    return { kind: 's3', bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') }
  }
  if (url.startsWith('file://')) return { kind: 'dir', dir: fileURLToPath(url) }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new ConfigError(`--locker ${url}: use s3://bucket/prefix or a folder`)
  return { kind: 'dir', dir: resolve(url) }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest()

/** Puts one bundle into the locker; every refusal is a ConfigError saying why. */
export async function pushBundle(archive: string, o: LockerOptions): Promise<Stored> {
  if (!Number.isInteger(o.retentionDays) || o.retentionDays < 1) throw new ConfigError('--retention-days: a whole number of days, at least 1 (a locker without retention protects nothing)')
  const target = parseLockerUrl(o.url)
  const body = readFileSync(archive)
  const digest = sha256(body)
  return target.kind === 's3' ? pushS3(archive, body, digest, target, o) : pushDir(archive, body, digest, target.dir)
}

function pushDir(archive: string, body: Buffer, digest: Buffer, dir: string): Stored {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, basename(archive))
  if (existsSync(file)) {
    if (sha256(readFileSync(file)).equals(digest)) return { location: file, version: digest.toString('hex'), sha256: digest.toString('hex') }
    throw new ConfigError(`${file}: the locker already holds another file of that name; a locker never overwrites`)
  }
  copyFileSync(archive, file)
  chmodSync(file, 0o444)
  const stored = sha256(readFileSync(file))
  if (!stored.equals(digest)) throw new ConfigError(`${file}: the copy in the locker does not have the bundle's SHA-256`)
  return { location: file, version: digest.toString('hex'), sha256: digest.toString('hex') }
}

async function s3For(o: LockerOptions) {
  const sdk = await import('@aws-sdk/client-s3')
  const { fromNodeProviderChain, fromTemporaryCredentials } = await import('@aws-sdk/credential-providers')
  const c = o.credentials ?? { region: 'us-east-1' }
  const base = fromNodeProviderChain(c.profile ? { profile: c.profile } : {})
  const credentials = c.roleArn
    ? fromTemporaryCredentials({ masterCredentials: base, params: { RoleArn: c.roleArn, RoleSessionName: 'vigil-locker', ...(c.externalId ? { ExternalId: c.externalId } : {}) }, clientConfig: { region: c.region, ...(c.endpoint ? { endpoint: c.endpoint } : {}) } })
    : base
  const s3 = new sdk.S3Client({
    region: c.region,
    credentials,
    ...(c.endpoint ? { endpoint: c.endpoint, forcePathStyle: true } : {}),
    requestHandler: { requestTimeout: o.timeoutMs ?? 60_000, connectionTimeout: o.timeoutMs ?? 60_000 },
    maxAttempts: 3,
  })
  return { sdk, s3 }
}

/**
 * The locker is usable: an S3 bucket with Object Lock on and a default retention of at least
 * `minRetentionDays` (or a folder that can be created). Checked before a run probes anything.
 */
export async function checkLocker(o: LockerOptions): Promise<void> {
  if (!Number.isInteger(o.retentionDays) || o.retentionDays < 1) throw new ConfigError('--retention-days: a whole number of days, at least 1 (a locker without retention protects nothing)')
  const t = parseLockerUrl(o.url)
  if (t.kind === 'dir') {
    mkdirSync(t.dir, { recursive: true })
    return
  }
  const { sdk, s3 } = await s3For(o)
  const where = `s3://${t.bucket}`
  let lock
  try {
    lock = (await s3.send(new sdk.GetObjectLockConfigurationCommand({ Bucket: t.bucket }))).ObjectLockConfiguration
  } catch (e) {
    const name = (e as Error).name
    if (name === 'ObjectLockConfigurationNotFoundError') throw new ConfigError(`--locker ${where}: the bucket has no Object Lock; evidence there could be deleted (create it with Object Lock enabled)`)
    throw new ConfigError(`--locker ${where}: cannot read its Object Lock configuration (${name}: ${(e as Error).message})`)
  }
  if (lock?.ObjectLockEnabled !== 'Enabled') throw new ConfigError(`--locker ${where}: Object Lock is not enabled on the bucket`)
  const r = lock.Rule?.DefaultRetention
  const defaultDays = (r?.Days ?? 0) + (r?.Years ?? 0) * 365
  if (defaultDays < o.minRetentionDays)
    throw new ConfigError(`--locker ${where}: the bucket's default retention is ${defaultDays ? `${defaultDays} day(s) (${r?.Mode})` : 'not set'}, shorter than --min-retention-days ${o.minRetentionDays}`)
}

async function pushS3(archive: string, body: Buffer, digest: Buffer, t: { bucket: string; prefix: string }, o: LockerOptions): Promise<Stored> {
  await checkLocker(o)
  const { sdk, s3 } = await s3For(o)
  const where = `s3://${t.bucket}`
  const key = `${t.prefix ? `${t.prefix}/` : ''}${basename(archive)}`
  const retainUntil = new Date(Date.now() + o.retentionDays * 86_400_000)
  const checksum = digest.toString('base64')
  let out
  try {
    out = await s3.send(
      new sdk.PutObjectCommand({
        Bucket: t.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/gzip',
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: checksum,
        // never a second version of a key: the locker does not overwrite, not even with a new version
        IfNoneMatch: '*',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: retainUntil,
      }),
    )
  } catch (e) {
    throw new ConfigError(`--locker ${where}: the upload of ${key} failed (${(e as Error).name}: ${(e as Error).message})`)
  }
  if (!out.VersionId) throw new ConfigError(`--locker ${where}: S3 returned no version id for ${key}: is the bucket versioned (Object Lock requires it)?`)
  // what S3 says it stored must be what was sent
  if (out.ChecksumSHA256 !== checksum) throw new ConfigError(`--locker ${where}: S3 stored ${key} with SHA-256 ${out.ChecksumSHA256 ?? '(none returned)'}, not the bundle's ${checksum}`)
  return { location: `${where}/${key}`, version: out.VersionId, sha256: digest.toString('hex'), retainUntil: retainUntil.toISOString() }
}

/** A bundle is reports and observations, not a disk image: larger objects in the locker are not downloaded. */
export const MAX_BUNDLE_BYTES = 2 * 1024 ** 3

/**
 * Every bundle in an S3 locker — every *version* of every key: a later PutObject on the same key
 * cannot hide the locked original — downloaded into `into` (for `vigil history import s3://…`),
 * with its location and version. `overwritten` names keys that hold more than one version.
 */
export async function fetchS3Bundles(
  url: string,
  into: string,
  o: Omit<LockerOptions, 'url' | 'retentionDays' | 'minRetentionDays'>,
): Promise<{ bundles: { file: string; location: string; version: string }[]; overwritten: string[] }> {
  const t = parseLockerUrl(url)
  if (t.kind !== 's3') throw new ConfigError(`${url}: not an S3 locker`)
  const { sdk, s3 } = await s3For({ ...o, url, retentionDays: 1, minRetentionDays: 0 })
  const bundles: { file: string; location: string; version: string }[] = []
  const perKey = new Map<string, number>()
  let keyMarker: string | undefined
  let versionMarker: string | undefined
  do {
    const page = await s3.send(
      new sdk.ListObjectVersionsCommand({ Bucket: t.bucket, ...(t.prefix ? { Prefix: `${t.prefix}/` } : {}), ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(versionMarker ? { VersionIdMarker: versionMarker } : {}) }),
    )
    for (const v of page.Versions ?? []) {
      if (!v.Key?.endsWith('.tar.gz')) continue
      perKey.set(v.Key, (perKey.get(v.Key) ?? 0) + 1)
      if ((v.Size ?? 0) > MAX_BUNDLE_BYTES) throw new ConfigError(`s3://${t.bucket}/${v.Key} (version ${v.VersionId}): ${v.Size} bytes, more than a bundle can be (${MAX_BUNDLE_BYTES})`)
      const got = await s3.send(new sdk.GetObjectCommand({ Bucket: t.bucket, Key: v.Key, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }))
      // the whole key and its version name the file: bundles of one name under two prefixes stay apart
      const file = join(into, `${createHash('sha256').update(`${v.Key}\u0000${v.VersionId ?? ''}`).digest('hex').slice(0, 16)}-${basename(v.Key)}`)
      writeFileSync(file, Buffer.from(await got.Body!.transformToByteArray()))
      bundles.push({ file, location: `s3://${t.bucket}/${v.Key}`, version: v.VersionId ?? '' })
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined
  } while (keyMarker)
  return { bundles, overwritten: [...perKey].filter(([, n]) => n > 1).map(([k]) => `s3://${t.bucket}/${k}`) }
}

/** Bundles in a locker folder, for `vigil history import`. */
export function lockerFolderBundles(dir: string): string[] {
  return statSync(dir).isDirectory() ? readdirSync(dir).filter((f) => f.endsWith('.tar.gz')).sort().map((f) => join(dir, f)) : []
}
