import { formatEther, parseEther } from 'viem'
import { AppointmentInputError } from './appointmentInputError.ts'

/** The contracts store fees as uint96. */
const maxWei = (1n << 96n) - 1n

/** Wei as ETH, exact to the wei (never through a float): 50000000000000001n → "0.050000000000000001 ETH". */
export function formatEth(wei: bigint): string {
  return `${formatEther(wei)} ETH`
}

/**
 * An amount typed in ETH → wei, exactly. Refuses more than 18 decimals rather than
 * rounding, so what the person typed is what is sent.
 */
export function parseEthAmount(text: string, { field = 'amount', allowZero = false }: { field?: string; allowZero?: boolean } = {}): bigint {
  const value = text.trim().replace(/\s*eth$/i, '')
  if (value === '' || value.length > 40) throw new AppointmentInputError(field, 'Enter an amount in ETH, for example 0.05.')
  if (!/^(\d+\.?\d*|\.\d+)$/.test(value)) throw new AppointmentInputError(field, 'Enter the amount in ETH with digits and a dot, for example 0.05.')
  const decimals = value.split('.')[1] ?? ''
  if (decimals.length > 18) throw new AppointmentInputError(field, 'ETH has at most 18 decimal places (1 wei = 0.000000000000000001 ETH).')
  const wei = parseEther(value)
  if (wei === 0n && !allowZero) throw new AppointmentInputError(field, 'Enter an amount above zero.')
  if (wei > maxWei) throw new AppointmentInputError(field, 'That amount is larger than the contracts accept.')
  return wei
}
