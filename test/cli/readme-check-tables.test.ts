// The README's check tables are what a user reads before writing a policy: every check has a row,
// and the row says what the check judges (its population: none → not applicable), as the code does.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../checks/catalog.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const rows = new Map(
  readme
    .split('\n')
    .map((l) => [/^\| `([a-z0-9.-]+)` \|/.exec(l)?.[1], l] as const)
    .filter((r): r is [string, string] => !!r[0]),
)

describe('README check tables', () => {
  it('have a row for every check, naming its population and its default severity', () => {
    for (const c of CHECKS) {
      const row = rows.get(c.id)
      expect(row, `README row for ${c.id}`).toBeDefined()
      const cells = row!.split(' | ').map((cell) => cell.trim())
      expect(cells, c.id).toContain(c.population)
      // the severity column is the one just after the population
      expect(cells[cells.indexOf(c.population) + 1], c.id).toBe(c.severity.level)
    }
  })
})
