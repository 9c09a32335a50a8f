// Every custom error of every Salus contract has a sentence in that contract's table,
// and one refusal error carries it whichever contract reverted.
import { BaseError, ContractFunctionRevertedError, encodeErrorResult } from 'viem'
import { describe, expect, it } from 'vitest'
import { paymentsErrorAbi } from '../../src/chain/appointments/paymentsErrorAbi.ts'
import { pharmacyErrorAbi } from '../../src/chain/pharmacy/pharmacyErrorAbi.ts'
import { ContractRefusedError, toChainError } from '../../src/chain/chainErrors.ts'
import { Anchors } from '../../src/chain/generated/Anchors.ts'
import { Appointments } from '../../src/chain/generated/Appointments.ts'
import { Consent } from '../../src/chain/generated/Consent.ts'
import { Emergency } from '../../src/chain/generated/Emergency.ts'
import { Insurance } from '../../src/chain/generated/Insurance.ts'
import { Pharmacy } from '../../src/chain/generated/Pharmacy.ts'
import { Registry } from '../../src/chain/generated/Registry.ts'
import { revertSentences } from '../../src/chain/revertSentences.ts'

const contracts = { Anchors, Appointments, Consent, Emergency, Insurance, Pharmacy, Registry } as const
const client = { transport: { url: 'http://127.0.0.1:8545' } }

describe('revert sentences', () => {
  for (const [name, contract] of Object.entries(contracts)) {
    it(`${name}: one sentence per custom error, and none for errors it does not have`, () => {
      const errors = contract.abi.filter((item) => item.type === 'error').map((item) => item.name)
      const own = errors.filter((error) => error.startsWith(`${name}__`))
      const table = revertSentences[name as keyof typeof revertSentences]
      for (const error of own) expect(table[error], error).toMatch(/\.$/)
      for (const error of Object.keys(table)) expect(errors, error).toContain(error)
    })
  }

  it('names the contract and its sentence, also for a revert the called ABI cannot decode (Insurance inside Appointments), given the ABI the action names', () => {
    const raw = encodeErrorResult({ abi: Insurance.abi, errorName: 'Insurance__NullifierUsed', args: [7n] })
    // As viem reports a revert whose selector is not in the called contract's ABI: raw data, no decoded name.
    const reverted = new ContractFunctionRevertedError({ abi: Appointments.abi, data: raw, functionName: 'bookCovered' })
    expect(reverted.data).toBeUndefined()
    const failed = new BaseError('call failed', { cause: reverted })
    const unnamed = toChainError(failed, client) as ContractRefusedError
    expect(unnamed).toBeInstanceOf(ContractRefusedError)
    expect(unnamed.errorName).toBeUndefined()
    const mapped = toChainError(failed, client, { errorAbi: paymentsErrorAbi })
    expect(mapped).toBeInstanceOf(ContractRefusedError)
    const refused = mapped as ContractRefusedError
    expect(refused.contract).toBe('Insurance')
    expect(refused.errorName).toBe('Insurance__NullifierUsed')
    expect(refused.args).toEqual([7n])
    expect(refused.shortMessage).toBe(revertSentences.Insurance.Insurance__NullifierUsed)
  })

  it('maps a decoded Consent revert to the same error class with Consent’s sentence', () => {
    const raw = encodeErrorResult({ abi: Consent.abi, errorName: 'Consent__AlreadyRevoked', args: [5n] })
    const reverted = new ContractFunctionRevertedError({ abi: Consent.abi, data: raw, functionName: 'revoke' })
    const refused = toChainError(new BaseError('call failed', { cause: reverted }), client) as ContractRefusedError
    expect(refused.name).toBe('ContractRefusedError')
    expect(refused.contract).toBe('Consent')
    expect(refused.shortMessage).toBe(revertSentences.Consent.Consent__AlreadyRevoked)
  })

  it('names Insurance’s refusal inside a covered invoice payment (Pharmacy → Insurance), given pharmacyErrorAbi', () => {
    const raw = encodeErrorResult({ abi: Insurance.abi, errorName: 'Insurance__PrescriptionsNotCovered', args: [3n] })
    const reverted = new ContractFunctionRevertedError({ abi: Pharmacy.abi, data: raw, functionName: 'payInvoiceCovered' })
    const refused = toChainError(new BaseError('call failed', { cause: reverted }), client, { errorAbi: pharmacyErrorAbi }) as ContractRefusedError
    expect(refused.contract).toBe('Insurance')
    expect(refused.shortMessage).toBe(revertSentences.Insurance.Insurance__PrescriptionsNotCovered)
  })
})
