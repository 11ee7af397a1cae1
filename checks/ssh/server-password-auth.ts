// ssh.server.password-auth — the server does not offer password or keyboard-interactive logins, as
// read from the method list it returns to a `none` authentication request. No password is sent.
import type { CheckDefinition, Verdict } from '../types.ts'
import { settleOffenders } from './algorithm-policy.ts'
import { SSH_PARTS, type SshObservation } from './observation.ts'
import { endpoint, hostKeyTrustEvidence, part } from './observation-parts.ts'

export interface PasswordAuthParams {
  forbidden?: string[]
}

export const serverPasswordAuth: CheckDefinition<SshObservation, PasswordAuthParams> = {
  id: 'ssh.server.password-auth',
  kinds: ['ssh'],
  title: 'The SSH server does not accept passwords',
  description: 'the server offers `password` or `keyboard-interactive` (or accepts `none`) in answer to a `none` authentication request',
  params: [{ name: 'forbidden', description: 'authentication methods that must not be offered', default: ['password', 'keyboard-interactive'] }],
  severity: {
    level: 'high',
    reason:
      'a server that accepts passwords can be attacked by online guessing and credential stuffing from anywhere that reaches the port, and one phished or reused password is enough to log in; accepting `none` (no credentials at all) is marked critical',
  },
  population: 'authentication methods offered after a `none` request',
  needs: [SSH_PARTS.authMethods],
  judge(obs, params) {
    return settleOffenders(judgePasswordAuth(obs, params), 'server')
  },
}

// Offenders: `auth/<method>` for each forbidden method offered, `auth/none` (critical) when the
// `none` request itself succeeded.
function judgePasswordAuth(obs: SshObservation, { forbidden = ['password', 'keyboard-interactive'] }: PasswordAuthParams): Verdict {
  const a = part(obs, 'authMethods')
  if ('verdict' in a) return a.verdict
  const offered = a.data.methods.filter((m) => forbidden.includes(m))
  const base = {
    expected: { forbidden, noneAccepted: false },
    actual: { methods: a.data.methods, forbiddenOffered: offered, noneAccepted: a.data.noneAccepted },
    observed: { endpoint: endpoint(obs), user: a.data.user, methods: a.data.methods, noneAccepted: a.data.noneAccepted },
    evidence: [
      { kind: 'auth-methods', description: `methods ${endpoint(obs)} listed after a \`none\` request for user ${a.data.user} (no credentials sent)`, data: a.data },
      hostKeyTrustEvidence(obs),
    ],
  }
  if (a.data.noneAccepted)
    return {
      ...base,
      status: 'failed',
      summary: `${endpoint(obs)} accepted the \`none\` method: user ${a.data.user} got in without any credentials`,
      offenders: [{ id: 'auth/none', why: 'the server accepted a `none` authentication request: a login without any credentials', severity: 'critical' }, ...offered.map((m) => ({ id: `auth/${m}`, why: `the server offers ${m} authentication` }))],
    }
  if (offered.length) return { ...base, status: 'failed', summary: `${endpoint(obs)} offers ${offered.join(' and ')} authentication`, offenders: offered.map((m) => ({ id: `auth/${m}`, why: `the server offers ${m} authentication` })) }
  // an empty list (RFC 4252 §5.1 allows it) means nobody can log in: there is no method to judge
  if (a.data.methods.length === 0)
    return { ...base, status: 'not-applicable', summary: `${endpoint(obs)} lists no authentication method after a \`none\` request for user ${a.data.user}: nothing to judge` }
  return { ...base, status: 'passed', summary: `offers only ${a.data.methods.join(', ')}` }
}
