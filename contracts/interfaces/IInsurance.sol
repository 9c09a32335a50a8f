// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @notice What Appointments needs from Insurance: draw a covered fee from an
/// insurer's pool against an eligibility proof, and give it back on a refund.
interface IInsurance {
    /// @notice A Groth16 proof as snarkjs exports it (pB already in the verifier's order).
    struct EligibilityProof {
        uint256[2] pA;
        uint256[2][2] pB;
        uint256[2] pC;
    }

    /// @notice Everything a covered booking carries; none of it identifies the patient.
    struct CoverClaim {
        uint256 planId;
        uint256 root;
        /// @dev The depth of the circuit the proof was made with: the depth of the
        /// insurer's tree (ceil(log2(members)), at least 1) when the proof was made.
        uint256 depth;
        uint256 nullifier;
        EligibilityProof proof;
    }

    /// @notice Verifies `cover` for the booking (slotId, doctor, payer) at `visitDate`,
    /// spends its nullifier and sends min(fee, plan.feeCovered) to the caller.
    /// @param payer The account sending the booking; the proof must have been made for it.
    /// @return insurer The insurer whose pool paid.
    /// @return amount The wei sent with this call's return.
    function claim(CoverClaim calldata cover, uint256 slotId, address doctor, uint256 visitDate, uint256 fee, address payer)
        external
        returns (address insurer, uint256 amount);

    /// @notice Puts a refunded cover back into `insurer`'s pool and gives the member's
    /// visit back: the nullifier `slotId`'s claim spent can be used again.
    function returnCover(address insurer, uint256 slotId) external payable;
}
