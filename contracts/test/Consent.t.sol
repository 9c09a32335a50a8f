// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {ConsentDeployer} from "./ConsentDeployment.t.sol";
import {ConsentFixtures as F} from "./fixtures/ConsentFixtures.sol";
import {Consent} from "../Consent.sol";
import {ConsentVerifier} from "../generated/ConsentVerifier.sol";
import {IPoseidonT3} from "../interfaces/IPoseidonT3.sol";
import {PoseidonT3} from "../../node_modules/poseidon-solidity/PoseidonT3.sol";

/// @notice The Consent contract against the real Groth16 verifier and real proofs
/// (scripts/buildConsentFixtures.ts), so every rejection below is the verifier's. The proofs
/// are bound to the deployment F.CONSENT on chain F.CHAIN_ID, so Consent is put there.
contract ConsentTest is ConsentDeployer {
    Consent internal consent;
    /// @dev Only for the Poseidon parity test: Consent itself hashes with keccak256.
    IPoseidonT3 internal t3;

    event GrantCreated(
        uint256 indexed grantId,
        address indexed grantee,
        uint256 pseudonym,
        uint32 scopesMask,
        uint64 expiry,
        uint8 threshold,
        uint256 proxiesHash,
        bytes bundleCid
    );
    event GrantRevoked(uint256 indexed grantId);
    event AccessLogged(
        uint256 indexed grantId, uint256 indexed sessionId, address indexed grantee, uint32 scopesMask, uint64 timestamp
    );

    function setUp() public {
        t3 = IPoseidonT3(_deploy(type(PoseidonT3).creationCode));
        cheats.chainId(F.CHAIN_ID);
        consent = _consentAt(F.CONSENT, new ConsentVerifier());
        vm.warp(1_800_000_000);
    }

    // ----------------------------------------------------------------- grant

    function test_grantStoresTheGrantAndEmitsTheBundle() public {
        vm.expectEmit(true, true, true, true, address(consent));
        emit GrantCreated(1, F.GRANTEE, F.PSEUDONYM, F.SCOPES_MASK, F.EXPIRY, F.THRESHOLD, F.PROXIES_HASH, F.BUNDLE_CID);
        uint256 grantId = _grant();
        assertEq(grantId, 1, "first grant id");
        assertEq(consent.grantCount(), 1, "grant count");
        Consent.Grant memory stored = consent.grantInfo(grantId);
        assertEq(stored.grantee, F.GRANTEE, "grantee");
        assertEq(stored.pseudonym, F.PSEUDONYM, "pseudonym");
        assertEq(uint256(stored.scopesMask), F.SCOPES_MASK, "scopes");
        assertEq(uint256(stored.expiry), F.EXPIRY, "expiry");
        assertEq(uint256(stored.threshold), F.THRESHOLD, "threshold");
        assertFalse(stored.revoked, "not revoked");
        assertTrue(consent.isActive(grantId), "active");
        // The event's proxiesHash and bundle CID are checkable against the proof's hash.
        assertEq(consent.grantIdOf(F.PARAMS_HASH), grantId, "grant of its params hash");
    }

    function testFuzz_grantIdOfOtherParamsIsNone(uint256 paramsHash) public {
        vm.assume(paramsHash != F.PARAMS_HASH);
        _grant();
        assertEq(consent.grantIdOf(paramsHash), 0, "no grant");
    }

    /// @dev Any change to what the proof is bound to must fail verification.
    function testFuzz_grantWithAProofForOtherParametersIsRejected(uint8 field, uint256 value) public {
        Consent.GrantParams memory p = F.grantParams();
        uint256 pseudonym = F.PSEUDONYM;
        field = uint8(bound(field, 0, 6));
        if (field == 0) {
            p.expiry = uint64(bound(value, block.timestamp + 1, type(uint40).max));
            vm.assume(p.expiry != F.EXPIRY);
        } else if (field == 1) {
            p.scopesMask = uint32(bound(value, 1, (1 << 10) - 1));
            vm.assume(p.scopesMask != F.SCOPES_MASK);
        } else if (field == 2) {
            p.grantee = address(uint160(bound(value, 1, type(uint160).max)));
            vm.assume(p.grantee != F.GRANTEE);
        } else if (field == 3) {
            p.bundleCid = abi.encodePacked(F.BUNDLE_CID, bytes1(uint8(value)));
        } else if (field == 4) {
            p.proxiesHash = bound(value, 0, (1 << 248) - 1);
            vm.assume(p.proxiesHash != F.PROXIES_HASH);
        } else if (field == 5) {
            p.threshold = uint8(bound(value, 1, 255));
            vm.assume(p.threshold != F.THRESHOLD);
        } else {
            pseudonym = value;
            vm.assume(pseudonym != F.PSEUDONYM);
        }
        vm.prank(p.grantee);
        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        consent.grant(p, pseudonym, F.grantProof());
    }

    function testFuzz_onlyTheGranteeMaySubmit(address caller) public {
        vm.assume(caller != F.GRANTEE);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__NotGrantee.selector, caller, F.GRANTEE));
        consent.grant(F.grantParams(), F.PSEUDONYM, F.grantProof());
    }

    function test_aReplayedProofIsRejected() public {
        _grant();
        vm.prank(F.GRANTEE);
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__ProofReplayed.selector, F.PARAMS_HASH));
        consent.grant(F.grantParams(), F.PSEUDONYM, F.grantProof());
    }

    /// @dev Otherwise the grantee could bring a revoked grant back from its own proof.
    function test_aRevokedGrantCannotBeReplayed() public {
        uint256 grantId = _grant();
        consent.revoke(grantId, F.revokeProof());
        vm.prank(F.GRANTEE);
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__ProofReplayed.selector, F.PARAMS_HASH));
        consent.grant(F.grantParams(), F.PSEUDONYM, F.grantProof());
        assertEq(consent.grantCount(), 1, "no second grant");
    }

    function testFuzz_expiryMustBeInTheFuture(uint256 timestamp) public {
        timestamp = bound(timestamp, F.EXPIRY, type(uint64).max);
        vm.warp(timestamp);
        vm.prank(F.GRANTEE);
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__ExpiryNotInFuture.selector, F.EXPIRY, timestamp));
        consent.grant(F.grantParams(), F.PSEUDONYM, F.grantProof());
    }

    function test_parametersAreCheckedBeforeTheProof() public {
        Consent.GrantParams memory p = F.grantParams();
        p.scopesMask = 0;
        _expectGrantRevert(p, abi.encodeWithSelector(Consent.Consent__InvalidScopes.selector, uint32(0)));
        p.scopesMask = 1 << 10;
        _expectGrantRevert(p, abi.encodeWithSelector(Consent.Consent__InvalidScopes.selector, uint32(1 << 10)));
        p = F.grantParams();
        p.threshold = 0;
        _expectGrantRevert(p, abi.encodeWithSelector(Consent.Consent__InvalidThreshold.selector));
        p = F.grantParams();
        p.proxiesHash = 1 << 248;
        _expectGrantRevert(p, abi.encodeWithSelector(Consent.Consent__InvalidProxiesHash.selector));
        p = F.grantParams();
        p.bundleCid = "";
        _expectGrantRevert(p, abi.encodeWithSelector(Consent.Consent__InvalidBundleCid.selector, 0));
        p.bundleCid = new bytes(129);
        _expectGrantRevert(p, abi.encodeWithSelector(Consent.Consent__InvalidBundleCid.selector, 129));
        p = F.grantParams();
        p.expiry = uint64(type(uint40).max) + 1;
        _expectGrantRevert(p, abi.encodeWithSelector(Consent.Consent__ExpiryTooLate.selector, p.expiry));
    }

    // ---------------------------------------------------------------- revoke

    function testFuzz_anyoneMaySubmitTheRevocation(address caller) public {
        uint256 grantId = _grant();
        vm.expectEmit(true, true, true, true, address(consent));
        emit GrantRevoked(grantId);
        vm.prank(caller);
        consent.revoke(grantId, F.revokeProof());
        assertTrue(consent.grantInfo(grantId).revoked, "revoked");
        assertFalse(consent.isActive(grantId), "inactive");
    }

    function test_aRevocationNeedsTheGrantsPseudonym() public {
        uint256 grantId = _grant();
        // A valid proof for the same revocation hash and grantee, by another patient.
        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        consent.revoke(grantId, F.otherRevokeProof());
        // The grant's own proof is bound to the grant hash, not the revocation hash.
        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        consent.revoke(grantId, F.grantProof());
        assertTrue(consent.isActive(grantId), "still active");
    }

    function test_revokingTwiceFails() public {
        uint256 grantId = _grant();
        consent.revoke(grantId, F.revokeProof());
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__AlreadyRevoked.selector, grantId));
        consent.revoke(grantId, F.revokeProof());
    }

    function testFuzz_unknownGrantsCannotBeRevoked(uint256 grantId) public {
        vm.assume(grantId != 1);
        _grant();
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__UnknownGrant.selector, grantId));
        consent.revoke(grantId, F.revokeProof());
    }

    // -------------------------------------------------------------- reissue

    function test_reissueNeedsTheCurrentBundle() public {
        uint256 grantId = _grant();
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__NotCurrentBundle.selector, grantId));
        consent.reissue(grantId, Consent.Reissue(F.PROXIES_HASH, hex"01", F.PROXIES_HASH, hex"0171"), F.revokeProof());
    }

    function test_aRevokedGrantCannotBeReissued() public {
        uint256 grantId = _grant();
        consent.revoke(grantId, F.revokeProof());
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__GrantRevoked.selector, grantId));
        consent.reissue(grantId, Consent.Reissue(F.PROXIES_HASH, F.BUNDLE_CID, F.PROXIES_HASH, hex"0171"), F.revokeProof());
    }

    function test_reissueRefusesAProofForOtherParameters() public {
        uint256 grantId = _grant();
        // The revocation proof is the grant's own pseudonym, but bound to revoke(grantId), not to this bundle.
        vm.expectRevert(Consent.Consent__InvalidProof.selector);
        consent.reissue(grantId, Consent.Reissue(F.PROXIES_HASH, F.BUNDLE_CID, F.PROXIES_HASH, hex"0171"), F.revokeProof());
    }

    // ------------------------------------------------------------ logAccess

    function testFuzz_logAccessOpensASession(uint32 mask, uint256 at) public {
        uint256 grantId = _grant();
        mask = uint32(bound(mask, 1, F.SCOPES_MASK)) & F.SCOPES_MASK;
        vm.assume(mask != 0);
        at = bound(at, block.timestamp, F.EXPIRY - 1);
        vm.warp(at);
        vm.expectEmit(true, true, true, true, address(consent));
        emit AccessLogged(grantId, 1, F.GRANTEE, mask, uint64(at));
        vm.prank(F.GRANTEE);
        assertEq(consent.logAccess(grantId, mask), 1, "first session id");
        for (uint256 i = 0; i < 10; i++) {
            // Sessions are per scope: a session on some scopes opens no other.
            uint256 expected = (mask >> i) & 1 == 1 ? at : 0;
            assertEq(uint256(consent.lastSession(grantId, i)), expected, "last session time of the scope");
        }
        vm.prank(F.GRANTEE);
        assertEq(consent.logAccess(grantId, mask), 2, "session ids are sequential");
    }

    function testFuzz_onlyTheGranteeMayLogAccess(address caller) public {
        vm.assume(caller != F.GRANTEE);
        uint256 grantId = _grant();
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__NotGrantee.selector, caller, F.GRANTEE));
        consent.logAccess(grantId, F.SCOPES_MASK);
    }

    function testFuzz_logAccessOnlyWithinTheGrantedScopes(uint32 mask) public {
        uint256 grantId = _grant();
        vm.assume(mask == 0 || mask & ~F.SCOPES_MASK != 0);
        vm.prank(F.GRANTEE);
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__ScopeNotGranted.selector, mask, F.SCOPES_MASK));
        consent.logAccess(grantId, mask);
    }

    function test_logAccessFailsOnceRevoked() public {
        uint256 grantId = _grant();
        consent.revoke(grantId, F.revokeProof());
        vm.prank(F.GRANTEE);
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__GrantRevoked.selector, grantId));
        consent.logAccess(grantId, F.SCOPES_MASK);
    }

    function testFuzz_logAccessFailsOnceExpired(uint256 timestamp) public {
        uint256 grantId = _grant();
        timestamp = bound(timestamp, F.EXPIRY, type(uint64).max);
        vm.warp(timestamp);
        assertFalse(consent.isActive(grantId), "expired is inactive");
        vm.prank(F.GRANTEE);
        vm.expectRevert(abi.encodeWithSelector(Consent.Consent__GrantExpired.selector, grantId, F.EXPIRY));
        consent.logAccess(grantId, F.SCOPES_MASK);
    }

    function testFuzz_coversExactlyTheGrantedScopes(uint256 scopeIndex) public {
        uint256 grantId = _grant();
        scopeIndex = bound(scopeIndex, 0, 300);
        bool granted = scopeIndex < 10 && (F.SCOPES_MASK >> scopeIndex) & 1 == 1;
        assertEq(consent.covers(grantId, scopeIndex), granted, "covers");
    }

    function test_viewsOfUnknownGrants() public view {
        assertFalse(consent.isActive(7), "unknown is inactive");
        assertEq(consent.grantCount(), 0, "no grants");
    }

    // ------------------------------------------------------ hash parity

    /// @dev The grant proof's public signals were computed in TypeScript; that it verifies on chain
    /// (test_grantStoresTheGrantAndEmitsTheBundle) shows the circuit took TypeScript's paramsHash.
    /// Here the contract's own hashes must equal TypeScript's, bit for bit.
    function test_grantHashesMatchTypeScript() public view {
        assertEq(consent.GRANT_DOMAIN(), F.GRANT_DOMAIN, "grant domain");
        assertEq(consent.REVOKE_DOMAIN(), F.REVOKE_DOMAIN, "revoke domain");
        assertEq(
            consent.grantParamsHash(
                F.GRANTEE, F.SCOPES_MASK, F.EXPIRY, F.PROXIES_HASH, F.THRESHOLD, keccak256(F.BUNDLE_CID)
            ),
            F.PARAMS_HASH,
            "grantParamsHash"
        );
        assertEq(consent.revokeParamsHash(1), F.REVOKE_HASH_1, "revokeParamsHash");
    }

    /// @dev Both hashes are public circuit inputs, so they must be BN254 field elements.
    function testFuzz_hashesAreFieldElements(address grantee, uint32 mask, uint64 expiry, uint256 grantId) public view {
        uint256 r = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
        uint256 grantHash = consent.grantParamsHash(grantee, mask, expiry, F.PROXIES_HASH, 1, keccak256(F.BUNDLE_CID));
        assertTrue(grantHash < r, "grant hash < r");
        assertTrue(consent.revokeParamsHash(grantId) < r, "revoke hash < r");
    }

    /// @dev Poseidon parity where Poseidon is used: the pseudonym, Poseidon(secret, grantee, domain, index).
    /// Circuit output (the proof's first public signal) == TypeScript (src/zk/consentPseudonym.ts); the
    /// contract never computes it. PoseidonT3 (poseidon-solidity) is checked against TypeScript too.
    function test_poseidonMatchesCircuitAndTypeScript() public view {
        assertEq(F.TS_PSEUDONYM, F.PSEUDONYM, "TypeScript == circuit");
        assertTrue(F.PSEUDONYM != t3.hash([F.IDENTITY_SECRET, uint256(uint160(F.GRANTEE))]), "not the undomained pseudonym");
        assertEq(t3.hash(F.t3Inputs()), F.T3_OUTPUT, "PoseidonT3 near the field's edge");
    }

    /// @dev src/chain/consent/proxiesCommitment.ts: uint256(keccak256(abi.encode(address[], bytes32))) >> 8.
    function test_proxiesCommitmentMatchesTypeScript() public pure {
        address[] memory proxies = new address[](2);
        proxies[0] = F.PROXY_0;
        proxies[1] = F.PROXY_1;
        assertEq(uint256(keccak256(abi.encode(proxies, F.PROXIES_SALT))) >> 8, F.PROXIES_HASH, "proxies commitment");
    }

    // -------------------------------------------------------------- helpers

    function _grant() internal returns (uint256 grantId) {
        vm.prank(F.GRANTEE);
        grantId = consent.grant(F.grantParams(), F.PSEUDONYM, F.grantProof());
    }

    function _expectGrantRevert(Consent.GrantParams memory p, bytes memory revertData) internal {
        vm.prank(F.GRANTEE);
        vm.expectRevert(revertData);
        consent.grant(p, F.PSEUDONYM, F.grantProof());
    }

    function _deploy(bytes memory code) internal returns (address deployed) {
        assembly {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        require(deployed != address(0), "deployment failed");
    }
}
