// Times one AWS observation + judgement over a large emulated account: BUCKETS buckets and ROLES roles
// in moto (server mode, started here on 127.0.0.1 and stopped by PID). Prints figures; not a test.
//   node bench/aws.ts [buckets=2000] [roles=500] [perRegionConcurrency=16]
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import pLimit from 'p-limit'
import { observeAws } from '../checks/aws/probe.ts'
import { awsChecks } from '../checks/aws/index.ts'
import { AWS_PARTS } from '../checks/aws/observation.ts'
import { makeLimiter } from '../runner/observe.ts'
import { doc, emulatorClients, EMULATOR_CREDENTIALS } from '../lab/aws/seed-account.ts'
import { startMoto } from '../lab/aws/moto-server.ts'

const BUCKETS = Number(process.argv[2] ?? 2000)
const ROLES = Number(process.argv[3] ?? 500)
const PER_REGION = Number(process.argv[4] ?? 16)

const moto = await startMoto()
try {
  const { s3, iam } = emulatorClients(moto.endpoint)
  const seed = pLimit(16)
  let t = performance.now()
  await Promise.all(
    Array.from({ length: BUCKETS }, (_, i) =>
      seed(async () => {
        const Bucket = `bench-${String(i).padStart(5, '0')}`
        await s3.send(new CreateBucketCommand({ Bucket }))
        if (i % 2 === 0) await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }))
      }),
    ),
  )
  const trust = doc({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' })
  await Promise.all(
    Array.from({ length: ROLES }, (_, i) =>
      seed(async () => {
        const RoleName = `bench-role-${i}`
        await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust }))
        const Action = i % 50 === 0 ? '*' : i % 7 === 0 ? ['iam:PassRole', 'ec2:RunInstances'] : ['s3:GetObject', 'dynamodb:Query']
        await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action, Resource: '*' }, { Effect: 'Deny', Action: 'kms:Delete*', Resource: '*' }) }))
      }),
    ),
  )
  console.log(`seeded ${BUCKETS} buckets and ${ROLES} roles in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  s3.destroy()
  iam.destroy()

  const needs = new Set(awsChecks.flatMap((c) => c.needs))
  t = performance.now()
  const obs = await observeAws(
    { name: 'bench', regions: ['us-east-1'], endpoint: moto.endpoint, tags: [] },
    { needs, timeoutMs: 10_000, extraCaPems: [], limit: makeLimiter(200, PER_REGION) },
    { credentials: async () => EMULATOR_CREDENTIALS },
  )
  const observeS = (performance.now() - t) / 1000
  const calls = obs.apiCalls.reduce((n, c) => n + c.calls, 0)
  const throttled = obs.apiCalls.reduce((n, c) => n + Object.entries(c.errors).filter(([k]) => /Throttl|SlowDown/.test(k)).reduce((m, [, v]) => m + v, 0), 0)
  console.log(`observe: ${observeS.toFixed(1)} s, ${calls} API calls (${(calls / observeS).toFixed(0)}/s), ${throttled} throttled, per-region concurrency ${PER_REGION}`)
  t = performance.now()
  const results = awsChecks.map((c) => {
    const s = performance.now()
    const v = c.judge(obs, {}, { now: new Date() })
    return { id: c.id, status: v.status, offenders: ((v.observed.offenders as unknown[]) ?? []).length, ms: performance.now() - s }
  })
  console.log(`judge all ${awsChecks.length} checks: ${(performance.now() - t).toFixed(0)} ms`)
  for (const r of results) console.log(`  ${r.id.padEnd(30)} ${r.status.padEnd(7)} offenders=${String(r.offenders).padStart(5)}  ${r.ms.toFixed(0)} ms`)
  console.log(`observation size: ${(JSON.stringify(obs).length / 1e6).toFixed(1)} MB; parts: ${Object.values(AWS_PARTS).filter((p) => needs.has(p)).length}`)
} finally {
  await moto.stop()
}
