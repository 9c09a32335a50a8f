/**
 * A covered booking proves "one of the members in this insurer's tree, in plan P" without
 * saying which. With few members that is hardly anonymous: the claim points at one of a
 * handful of people the insurer knows by name. Below this many members the insurer's page
 * says so.
 */
export const minimumMembersForAnonymity = 20

/** The sentence the insurer's page shows for a member tree of `members` leaves, or '' when it is large enough (or empty). */
export function smallTreeWarning(members: bigint | number): string {
  const count = BigInt(members)
  if (count === 0n || count >= BigInt(minimumMembersForAnonymity)) return ''
  const who =
    count === 1n
      ? 'it was made by your one member: the claim names them as surely as a signature would'
      : `it was made by one of ${count} members (fewer still if not all of them are in its plan), so a claim can point at a person you know`
  return `Only ${count} member${count === 1n ? ' is' : 's are'} enrolled, fewer than ${minimumMembersForAnonymity}. A covered booking reveals that ${who}. Enrol more members before you rely on claims staying anonymous.`
}
