// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IInsurance} from "./IInsurance.sol";

/// @notice What Pharmacy needs from Insurance: draw a covered prescription from an
/// insurer's pool against an eligibility proof (nullifiers apart from visits').
interface IPrescriptionCover {
    /// @notice Verifies `cover` for invoice `invoiceId` of `pharmacist`, dispensed on
    /// `dispenseDate`, paid by `payer`; spends its nullifier and sends
    /// min(amount, the plan's prescription cover) to the caller.
    /// @return insurer The insurer whose pool paid.
    /// @return covered The wei sent with this call.
    function claimPrescription(
        IInsurance.CoverClaim calldata cover,
        uint256 invoiceId,
        address pharmacist,
        uint256 dispenseDate,
        uint256 amount,
        address payer
    ) external returns (address insurer, uint256 covered);
}
