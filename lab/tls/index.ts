// The TLS lab kit: a generated PKI with one certificate per defect, and peers to serve it
// (node:tls, openssl s_server, scripted raw-hello replies, hostile sockets). Tests and `vigil lab`.
export { generateLabPki, LAB_CERT_NAMES } from './certificates.ts'
export type { GenerateLabPkiOptions, LabCertificate, LabCertName, LabPki } from './certificates.ts'
export {
  deadPort, LAB_HOST, OPENSSL_SERVER_ARGS, startGarbageServer, startNodeTlsServer, startOpensslServer, startScriptedServer, startSilentServer,
} from './servers.ts'
export type {
  GarbageMode, GarbageServerOptions, NodeTlsServer, NodeTlsServerOptions, OpensslServerOptions, RunningServer, ScriptedReply, ScriptedServer,
  ServedCertificate,
} from './servers.ts'
export {
  alertRecord, ALERT, certificateRecord, highestOfferedVersion, legacySuiteServer, parseClientHello, pemToDers, readHandshakeMessage, record,
  serverHelloDoneRecord, serverHelloRecord,
} from './handshake-records.ts'
export type { ClientHelloInfo, LegacySuiteServerOptions, ServerHelloOptions } from './handshake-records.ts'
