// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IConsentGrants} from "./interfaces/IConsentGrants.sol";
import {IRoleRegistry} from "./interfaces/IRoleRegistry.sol";

/// @title Emergency
/// @notice Break-glass reads of an emergency card. A patient's emergency card is a grant of
/// the `summary` scope alone to the card's own account (src/flows/emergency). A responder
/// certified now (RESPONDER in the Registry) logs a break-glass event on the card's grant;
/// proxies then re-encrypt the summary for a request signed by the card key and by that
/// responder, within BREAK_GLASS_TTL of the event (src/p2p/proxyService.ts). The event
/// names the grant and the responder, never the patient.
contract Emergency {
    /// @notice Bit 0 of a Consent scopes mask: `summary`, first in src/core/scopes.ts.
    uint32 public constant SUMMARY_SCOPES_MASK = 1;
    /// @notice Proxies answer a responder within this long after their break-glass event on the grant.
    uint64 public constant BREAK_GLASS_TTL = 1 hours;
    bytes32 public constant RESPONDER_ROLE = keccak256("RESPONDER");

    IRoleRegistry public immutable registry;
    IConsentGrants public immutable consent;

    mapping(uint256 grantId => mapping(address responder => uint64)) private _breakGlassAt;
    uint256 private _eventCount;

    event BreakGlass(uint256 indexed grantId, address indexed responder, uint256 indexed eventId, uint64 timestamp);

    error Emergency__ZeroAddress();
    error Emergency__NotResponder(address caller);
    error Emergency__GrantNotActive(uint256 grantId);
    error Emergency__NotEmergencyGrant(uint256 grantId);

    constructor(IRoleRegistry registry_, IConsentGrants consent_) {
        if (address(registry_) == address(0) || address(consent_) == address(0)) revert Emergency__ZeroAddress();
        registry = registry_;
        consent = consent_;
    }

    /// @notice A certified responder breaks the glass on an emergency card's grant.
    /// @dev Only a grant whose scopes are exactly `summary`: a break-glass never opens a doctor's grant.
    function breakGlass(uint256 grantId) external returns (uint256 eventId) {
        if (!registry.hasRole(RESPONDER_ROLE, msg.sender)) revert Emergency__NotResponder(msg.sender);
        if (!consent.isActive(grantId)) revert Emergency__GrantNotActive(grantId);
        if (consent.grantInfo(grantId).scopesMask != SUMMARY_SCOPES_MASK) revert Emergency__NotEmergencyGrant(grantId);
        unchecked {
            // Cannot overflow: one increment per transaction.
            eventId = ++_eventCount;
        }
        uint64 timestamp = uint64(block.timestamp);
        _breakGlassAt[grantId][msg.sender] = timestamp;
        emit BreakGlass(grantId, msg.sender, eventId, timestamp);
    }

    /// @notice When `responder` last broke the glass on `grantId` (0: never).
    function breakGlassAt(uint256 grantId, address responder) external view returns (uint64) {
        return _breakGlassAt[grantId][responder];
    }

    function eventCount() external view returns (uint256) {
        return _eventCount;
    }
}
