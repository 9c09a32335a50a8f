// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "./lib/Test.sol";
import {Emergency} from "../Emergency.sol";
import {Registry} from "../Registry.sol";
import {IConsentGrants} from "../interfaces/IConsentGrants.sol";
import {IRoleRegistry} from "../interfaces/IRoleRegistry.sol";

/// @dev Grants as Consent holds them, set directly: Consent's own proofs are tested in Consent.t.sol,
/// and the TypeScript attack tests break the glass on real, proven grants.
contract GrantsStub is IConsentGrants {
    mapping(uint256 => Grant) internal _grants;

    function set(uint256 grantId, uint32 scopesMask, uint40 expiry, bool revoked) external {
        _grants[grantId] = Grant({grantee: address(0xCA4D), scopesMask: scopesMask, expiry: expiry, threshold: 2, revoked: revoked, pseudonym: 1});
    }

    function isActive(uint256 grantId) external view returns (bool) {
        Grant storage g = _grants[grantId];
        return g.grantee != address(0) && !g.revoked && g.expiry > block.timestamp;
    }

    function grantInfo(uint256 grantId) external view returns (Grant memory) {
        require(_grants[grantId].grantee != address(0), "unknown grant");
        return _grants[grantId];
    }
}

contract EmergencyTest is Test {
    Registry internal registry;
    GrantsStub internal grants;
    Emergency internal emergency;
    address internal registrar = address(0x1001);
    address internal ems = address(0x1003);
    address internal responder = address(0x3001);
    address internal doctor = address(0x2001);

    event BreakGlass(uint256 indexed grantId, address indexed responder, uint256 indexed eventId, uint64 timestamp);

    function setUp() public {
        vm.warp(1_800_000_000);
        registry = new Registry(registrar);
        grants = new GrantsStub();
        emergency = new Emergency(IRoleRegistry(address(registry)), grants);
        bytes32 emsRole = registry.EMS_AUTHORITY_ROLE();
        bytes32 responderRole = registry.RESPONDER_ROLE();
        vm.prank(registrar);
        registry.appointAuthority(emsRole, ems);
        vm.prank(ems);
        registry.certify(responderRole, responder);
        grants.set(1, 1, uint40(block.timestamp + 365 days), false); // a card: summary only
        grants.set(2, 0x3ff, uint40(block.timestamp + 30 days), false); // a doctor's grant
        grants.set(3, 1, uint40(block.timestamp + 365 days), true); // a rotated card
        grants.set(4, 1, uint40(block.timestamp - 1), false); // an expired card
        grants.set(5, 3, uint40(block.timestamp + 30 days), false); // summary and allergies
    }

    function test_theRoleIsTheRegistrysResponderRole() public view {
        assertEq(emergency.RESPONDER_ROLE(), registry.RESPONDER_ROLE(), "responder role");
        assertEq(uint256(emergency.BREAK_GLASS_TTL()), 1 hours, "ttl");
    }

    function test_aResponderBreaksTheGlassOnACard() public {
        vm.expectEmit(true, true, true, true, address(emergency));
        emit BreakGlass(1, responder, 1, uint64(block.timestamp));
        vm.prank(responder);
        uint256 eventId = emergency.breakGlass(1);
        assertEq(eventId, 1, "first event");
        assertEq(uint256(emergency.breakGlassAt(1, responder)), block.timestamp, "at");
        assertEq(uint256(emergency.breakGlassAt(1, doctor)), 0, "nobody else");
        assertEq(uint256(emergency.breakGlassAt(2, responder)), 0, "no other grant");
        vm.warp(block.timestamp + 10 minutes);
        vm.prank(responder);
        assertEq(emergency.breakGlass(1), 2, "second event");
        assertEq(uint256(emergency.breakGlassAt(1, responder)), block.timestamp, "latest");
        assertEq(emergency.eventCount(), 2, "count");
    }

    function testFuzz_onlyACurrentResponderBreaksTheGlass(address caller) public {
        vm.assume(caller != responder);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(Emergency.Emergency__NotResponder.selector, caller));
        emergency.breakGlass(1);
    }

    function test_aDecertifiedResponderCannotBreakTheGlass() public {
        bytes32 role = registry.RESPONDER_ROLE();
        vm.prank(ems);
        registry.decertify(role, responder);
        vm.prank(responder);
        vm.expectRevert(abi.encodeWithSelector(Emergency.Emergency__NotResponder.selector, responder));
        emergency.breakGlass(1);
    }

    function test_onlyASummaryOnlyGrantIsAnEmergencyGrant() public {
        vm.startPrank(responder);
        vm.expectRevert(abi.encodeWithSelector(Emergency.Emergency__NotEmergencyGrant.selector, 2));
        emergency.breakGlass(2);
        vm.expectRevert(abi.encodeWithSelector(Emergency.Emergency__NotEmergencyGrant.selector, 5));
        emergency.breakGlass(5);
        vm.stopPrank();
        assertEq(uint256(emergency.breakGlassAt(2, responder)), 0, "nothing logged");
    }

    function test_aRevokedExpiredOrUnknownGrantIsRefused() public {
        vm.startPrank(responder);
        vm.expectRevert(abi.encodeWithSelector(Emergency.Emergency__GrantNotActive.selector, 3));
        emergency.breakGlass(3);
        vm.expectRevert(abi.encodeWithSelector(Emergency.Emergency__GrantNotActive.selector, 4));
        emergency.breakGlass(4);
        vm.expectRevert(abi.encodeWithSelector(Emergency.Emergency__GrantNotActive.selector, 99));
        emergency.breakGlass(99);
        vm.stopPrank();
    }

    function test_theConstructorRefusesZeroAddresses() public {
        vm.expectRevert(Emergency.Emergency__ZeroAddress.selector);
        new Emergency(IRoleRegistry(address(0)), grants);
        vm.expectRevert(Emergency.Emergency__ZeroAddress.selector);
        new Emergency(IRoleRegistry(address(registry)), IConsentGrants(address(0)));
    }
}
