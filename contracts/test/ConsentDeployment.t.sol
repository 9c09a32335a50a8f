// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Test} from "./lib/Test.sol";
import {ConsentFixtures as F} from "./fixtures/ConsentFixtures.sol";
import {Consent} from "../Consent.sol";
import {ConsentVerifier} from "../generated/ConsentVerifier.sol";

/// @dev The two cheatcodes these tests add to lib/Vm.sol's set.
interface DeploymentCheats {
    function etch(address target, bytes calldata code) external;
    function chainId(uint256 newChainId) external;
}

/// @notice Puts Consent at a chosen address: the fixture proofs are bound to F.CONSENT.
abstract contract ConsentDeployer is Test {
    DeploymentCheats internal constant cheats = DeploymentCheats(address(vm));

    /// @dev Consent's constructor writes no storage and `verifier` is immutable (in the
    /// runtime code), so copying the code gives a working, empty deployment at `at`.
    function _consentAt(address at, ConsentVerifier verifier) internal returns (Consent) {
        cheats.etch(at, address(new Consent(verifier)).code);
        return Consent(at);
    }
}

/// @notice Issue 3, "replays fail": a consent proof is for one deployment. The grant and
/// revocation hashes include block.chainid and address(this), so another chain, or another
/// Consent on the same chain (a redeploy whose care nodes share keys), refuses it.
contract ConsentDeploymentTest is ConsentDeployer {
    Consent internal consent;
    Consent internal redeploy;

    function setUp() public {
        ConsentVerifier verifier = new ConsentVerifier();
        cheats.chainId(F.CHAIN_ID);
        consent = _consentAt(F.CONSENT, verifier);
        redeploy = _consentAt(F.REDEPLOY_CONSENT, verifier);
        vm.warp(1_800_000_000);
    }

    function test_eachDeploymentAcceptsOnlyItsOwnProof() public {
        // Same terms, same patient, same grantee: only the deployment differs.
        vm.prank(F.GRANTEE);
        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        redeploy.grant(F.grantParams(), F.PSEUDONYM, F.grantProof());
        vm.prank(F.GRANTEE);
        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        consent.grant(F.grantParams(), F.REDEPLOY_PSEUDONYM, F.redeployGrantProof());

        vm.prank(F.GRANTEE);
        assertEq(consent.grant(F.grantParams(), F.PSEUDONYM, F.grantProof()), 1, "grant on its own deployment");
        vm.prank(F.GRANTEE);
        assertEq(redeploy.grant(F.grantParams(), F.REDEPLOY_PSEUDONYM, F.redeployGrantProof()), 1, "grant on the redeploy");
        assertEq(consent.grantIdOf(F.PARAMS_HASH), 1, "consent stores its hash");
        assertEq(redeploy.grantIdOf(F.REDEPLOY_PARAMS_HASH), 1, "redeploy stores its own hash");
        assertEq(redeploy.grantIdOf(F.PARAMS_HASH), 0, "not the other's");
        // The pseudonym hashes the deployment's domain: one patient's grants to one doctor on two deployments share nothing.
        assertTrue(F.PSEUDONYM != F.REDEPLOY_PSEUDONYM, "pseudonyms differ across deployments");
        assertTrue(consent.consentDomain() != redeploy.consentDomain(), "domains differ");
    }

    /// @dev Both deployments have a grant 1 of the same patient: a revocation still
    /// revokes only on the deployment it was made for.
    function test_aRevocationRevokesOnlyOnItsDeployment() public {
        vm.prank(F.GRANTEE);
        consent.grant(F.grantParams(), F.PSEUDONYM, F.grantProof());
        vm.prank(F.GRANTEE);
        redeploy.grant(F.grantParams(), F.REDEPLOY_PSEUDONYM, F.redeployGrantProof());

        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        redeploy.revoke(1, F.revokeProof());
        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        consent.revoke(1, F.redeployRevokeProof());
        assertTrue(consent.isActive(1) && redeploy.isActive(1), "both still active");

        consent.revoke(1, F.revokeProof());
        assertFalse(consent.isActive(1), "revoked where proven");
        assertTrue(redeploy.isActive(1), "untouched elsewhere");
    }

    /// @dev The same contract address on another chain (a fork, or a deterministic deploy elsewhere).
    function testFuzz_proofsFailOnAnotherChain(uint64 otherChainId) public {
        vm.assume(otherChainId != F.CHAIN_ID && otherChainId != 0);
        vm.prank(F.GRANTEE);
        consent.grant(F.grantParams(), F.PSEUDONYM, F.grantProof());

        cheats.chainId(otherChainId);
        assertTrue(consent.revokeParamsHash(1) != F.REVOKE_HASH_1, "revoke hash follows the chain");
        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        consent.revoke(1, F.revokeProof());
        vm.prank(F.GRANTEE);
        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        redeploy.grant(F.grantParams(), F.REDEPLOY_PSEUDONYM, F.redeployGrantProof());

        cheats.chainId(F.CHAIN_ID);
        consent.revoke(1, F.revokeProof());
        assertFalse(consent.isActive(1), "revoked on its own chain");
    }
}
