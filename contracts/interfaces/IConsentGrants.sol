// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @notice The part of Consent that Emergency relies on: whether a grant is active and its scopes.
interface IConsentGrants {
    /// @dev ABI-identical to Consent.Grant.
    struct Grant {
        address grantee;
        uint32 scopesMask;
        uint40 expiry;
        uint8 threshold;
        bool revoked;
        uint256 pseudonym;
    }

    function isActive(uint256 grantId) external view returns (bool);
    /// @notice Reverts for an unknown grant.
    function grantInfo(uint256 grantId) external view returns (Grant memory);
}
