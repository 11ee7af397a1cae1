// The IAM policy engine on its own: parsing, wildcard expansion, NotAction, Deny, conditions.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parsePolicyDocument, PolicyParseError } from '../../checks/aws/policy-document.ts'
import { actionGrant, allActionsCoverage, effectiveActions, serviceCoverage, type PolicySource } from '../../checks/aws/effective-actions.ts'
import { catalogSize, expandAction } from '../../checks/aws/iam-action-catalog.ts'

const encoded = JSON.parse(readFileSync(new URL('./fixtures/url-encoded-policies.json', import.meta.url), 'utf8')) as Record<string, string>
const src = (document: string | object, policy = 'p'): PolicySource => ({ policy, via: 'inline', document: parsePolicyDocument(document) })
const st = (...Statement: object[]) => ({ Version: '2012-10-17', Statement })

describe('parsePolicyDocument', () => {
  it('reads URL-encoded documents as IAM returns them, and raw JSON as moto does', () => {
    const d = parsePolicyDocument(encoded['admin-with-star-colon-star']!)
    expect(d.statements[0]).toMatchObject({ effect: 'Allow', action: ['*:*'], resource: ['*'] })
    expect(parsePolicyDocument('{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}').statements[0]!.effect).toBe('Deny')
  })

  it('normalises string-or-array fields and a single Statement object', () => {
    const d = parsePolicyDocument(encoded['admin-via-notaction-fake-service']!)
    expect(d.statements).toHaveLength(1)
    expect(d.statements[0]!.notAction).toEqual(['madeup:DoThing'])
    const p = parsePolicyDocument({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'x', Condition: { Bool: { 'aws:SecureTransport': false } } }] })
    expect(p.statements[0]!.principal).toEqual({ '*': ['*'] })
    expect(p.statements[0]!.condition).toEqual({ Bool: { 'aws:SecureTransport': [false] } })
  })

  it('rejects garbage and malformed statements with a reason', () => {
    expect(() => parsePolicyDocument('%%%not json')).toThrow(PolicyParseError)
    expect(() => parsePolicyDocument({ Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] })).toThrow(/Effect/)
    expect(() => parsePolicyDocument({ Statement: [{ Effect: 'Allow', Action: '*', NotAction: 'iam:*', Resource: '*' }] })).toThrow(/both Action and NotAction/)
  })
})

describe('wildcard expansion against the shipped action catalog', () => {
  it('expands *, *:*, service wildcards and prefixes case-insensitively', () => {
    expect(catalogSize()).toBeGreaterThan(15_000)
    expect(expandAction('*').length).toBe(catalogSize())
    expect(expandAction('*:*').length).toBe(catalogSize())
    const iamPut = [...expandAction('IAM:put*')].length
    expect(iamPut).toBeGreaterThanOrEqual(5)
    expect(expandAction('s3:GetObject')).toHaveLength(1)
    expect(expandAction('madeup:*')).toHaveLength(0)
  })
})

describe('effective actions on *', () => {
  it('*:* and NotAction naming a fake service both grant every action', () => {
    expect(allActionsCoverage(effectiveActions([src(encoded['admin-with-star-colon-star']!)])).full).toBe(true)
    const e = effectiveActions([src(encoded['admin-via-notaction-fake-service']!)])
    expect(allActionsCoverage(e).full).toBe(true)
    expect(e.unknownPatterns).toEqual(['madeup:DoThing'])
  })

  it('an explicit Deny is subtracted (Prowler ignores it)', () => {
    const e = effectiveActions([src(encoded['allow-star-deny-iam']!)])
    expect(allActionsCoverage(e).full).toBe(false)
    expect(serviceCoverage(e, 'iam').allowed).toBe(0)
    expect(serviceCoverage(e, 'kms').full).toBe(true)
    expect(actionGrant(e, 'iam:PassRole')).toBe('denied')
  })

  it('a Deny in another policy (e.g. a group policy) is subtracted too', () => {
    const e = effectiveActions([src(st({ Effect: 'Allow', Action: 's3:*', Resource: '*' })), src(st({ Effect: 'Deny', Action: 's3:Delete*', Resource: '*' }), 'guard')])
    expect(serviceCoverage(e, 's3').full).toBe(false)
    expect(actionGrant(e, 's3:GetObject')).toBe('allowed')
    expect(actionGrant(e, 's3:DeleteBucket')).toBe('denied')
  })

  it('conditions make a grant conditional, never dropped', () => {
    const e = effectiveActions([src(encoded['admin-with-mfa-condition']!)])
    const c = allActionsCoverage(e)
    expect(c.full).toBe(false)
    expect(c.fullIfConditionsHold).toBe(true)
    expect(actionGrant(e, 'iam:CreateUser')).toBe('conditional')
    // a conditional Deny leaves the grant in place when it does not match
    const d = effectiveActions([src(st({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }))])
    expect(actionGrant(d, 's3:GetObject')).toBe('conditional')
  })

  it('NotAction grants everything except the listed services', () => {
    const e = effectiveActions([src(st({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }))])
    expect(allActionsCoverage(e).full).toBe(false)
    expect(serviceCoverage(e, 'kms').full).toBe(true)
    expect(serviceCoverage(e, 'iam').allowed).toBe(0)
  })

  it('resource scope: `${aws:username}` is not broad, `role/*` is; only Resource "*" counts for admin', () => {
    const self = effectiveActions([src(encoded['self-service-keys']!)], 'broad')
    expect(actionGrant(self, 'iam:CreateAccessKey')).toBe('none')
    const pr = effectiveActions([src(encoded['passrole-ec2']!)], 'broad')
    expect(actionGrant(pr, 'iam:PassRole')).toBe('allowed')
    const bucketOnly = effectiveActions([src(st({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b/*' }))], 'star')
    expect(allActionsCoverage(bucketOnly).allowed).toBe(0)
  })
})
