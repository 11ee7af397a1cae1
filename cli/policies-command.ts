// `vigil policies`: the effective policy set (lint/policies.ts).
import type { Command } from 'commander'

export function addPoliciesCommand(program: Command): void {
  program
    .command('policies')
    .description('the effective policy set: every scenario a run judges (after policies.off) with its check, place, severity, controls and effective parameters; switched-off ones as off')
    .option('-c, --config <file>', 'inventory file', 'vigil.yaml')
    .option('-f, --features <paths...>', 'feature files or globs (default: what vigil.yaml\'s policies: loads)')
    .option('--json', 'machine-readable')
    .action(async (flags: { config: string; features?: string[]; json?: boolean }) => {
      const { listPolicies, formatPolicies } = await import('../lint/policies.ts')
      const listing = await listPolicies({ config: flags.config, ...(flags.features?.length ? { features: flags.features } : {}) })
      process.stdout.write(flags.json ? JSON.stringify(listing.policies, null, 2) + '\n' : formatPolicies(listing))
    })
}
