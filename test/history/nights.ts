// Nights played forward with libfaketime: night d runs d days from now. Its date is the date of the
// schedule slot it starts in (slots start at 02:00 UTC in these tests: a run before 02:00 belongs to
// the night that began the day before).
export const dayOf = (d: number): Date => new Date(Date.now() + d * 86_400_000)

export function nightOf(d: number): string {
  const t = dayOf(d)
  return (t.getUTCHours() < 2 ? new Date(t.getTime() - 86_400_000) : t).toISOString().slice(0, 10)
}
