// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {ConsentVerifier} from "./generated/ConsentVerifier.sol";

/// @title Consent
/// @notice Zero-knowledge grants of record scopes to a doctor, their revocation, and
/// the access sessions the doctor's app logs before proxies re-encrypt anything.
/// @dev A grant proves (circuits/consent.circom) knowledge of the identitySecret behind
/// `pseudonym = Poseidon(identitySecret, grantee, consentDomain(), grantIndex)`, bound to `paramsHash`, which this
/// contract recomputes from the parameters exactly as src/zk/grantHash.ts does. The
/// grantee submits it, so the patient's wallet never appears on chain; a revocation is
/// a proof of the same pseudonym bound to revokeParamsHash(grantId), which anyone may
/// submit. Proxies read isActive/covers/lastSession before every re-encryption.
/// The circuit takes paramsHash only as a public input, so both hashes are keccak256
/// (a few hundred gas, against ~107k for Poseidon in the EVM); Poseidon stays where the
/// circuit computes it, the pseudonym. Both hashes include block.chainid and address(this),
/// so a proof is valid for one deployment only.
contract Consent {
    /// @dev ASCII "salus.grant.v2" / "salus.revoke.v2" as integers (GRANT_DOMAIN, REVOKE_DOMAIN in grantHash.ts);
    /// v2 since the hashes are keccak256 (v1 was Poseidon).
    uint256 public constant GRANT_DOMAIN = uint256(uint112(bytes14("salus.grant.v2")));
    uint256 public constant REVOKE_DOMAIN = uint256(uint120(bytes15("salus.revoke.v2")));
    /// @dev ASCII "salus.reissue.v1" (REISSUE_DOMAIN in grantHash.ts).
    uint256 public constant REISSUE_DOMAIN = uint256(uint128(bytes16("salus.reissue.v1")));
    /// @dev What _grantOfParams holds for a bundle a reissue replaced: still "used" (no replay), but no grant's.
    uint256 private constant SUPERSEDED = type(uint256).max;
    /// @notice Scopes are bits 0..SCOPE_COUNT-1 of a mask, in the order of src/core/scopes.ts.
    uint256 public constant SCOPE_COUNT = 10;
    /// @notice A CIDv1 with a 64-byte digest is 68 bytes; this leaves room without letting calldata balloon.
    uint256 public constant MAX_BUNDLE_CID_LENGTH = 128;
    /// @notice Proxies re-encrypt for a grantee only within this long after the grantee's last logged session.
    uint64 public constant SESSION_TTL = 1 hours;

    /// @notice What the chain keeps of a grant: what access checks and revoke read. The
    /// proxies' commitment and the key-fragment bundle's CID are in GrantCreated; they are
    /// bound to the grant through grantIdOf(grantParamsHash(...)) == grantId.
    /// @dev Slot 0 holds everything an access check reads; slot 1 the pseudonym revoke proves.
    struct Grant {
        address grantee;
        uint32 scopesMask;
        uint40 expiry;
        uint8 threshold;
        bool revoked;
        uint256 pseudonym;
    }

    /// @notice The grant parameters a consent proof is bound to (see src/zk/grantHash.ts).
    struct GrantParams {
        address grantee;
        uint32 scopesMask;
        uint64 expiry;
        /// @dev A salted commitment to the proxies (src/chain/consent/proxiesCommitment.ts), < 2^248.
        uint256 proxiesHash;
        uint8 threshold;
        /// @dev Binary CID of the key-fragment bundle.
        bytes bundleCid;
    }

    /// @notice A reissue: the bundle it replaces (as last announced) and the new one.
    struct Reissue {
        uint256 previousProxiesHash;
        bytes previousBundleCid;
        uint256 proxiesHash;
        bytes bundleCid;
    }

    ConsentVerifier public immutable verifier;

    /// @dev Grant ids start at 1 so that 0 can mean "none" off chain.
    mapping(uint256 grantId => Grant) private _grants;
    /// @dev Replay protection and the grant's commitment to all its parameters in one slot.
    mapping(uint256 paramsHash => uint256 grantId) private _grantOfParams;
    /// @dev Per grant, per scope index: access sessions are per scope, so a session on one scope opens no other.
    mapping(uint256 grantId => mapping(uint256 scopeIndex => uint64)) private _lastSession;
    uint256 private _grantCount;
    uint256 private _sessionCount;

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
    /// @notice The patient replaced a grant's key-fragment bundle (after rotating a scope's key).
    event GrantReissued(uint256 indexed grantId, uint256 proxiesHash, bytes bundleCid);
    event AccessLogged(
        uint256 indexed grantId, uint256 indexed sessionId, address indexed grantee, uint32 scopesMask, uint64 timestamp
    );

    error Consent__ZeroAddress();
    error Consent__NotGrantee(address caller, address grantee);
    error Consent__ExpiryNotInFuture(uint64 expiry, uint256 timestamp);
    error Consent__ExpiryTooLate(uint64 expiry);
    error Consent__InvalidScopes(uint32 scopesMask);
    error Consent__InvalidThreshold();
    error Consent__InvalidProxiesHash();
    error Consent__InvalidBundleCid(uint256 length);
    error Consent__ProofReplayed(uint256 paramsHash);
    error Consent__InvalidProof();
    error Consent__UnknownGrant(uint256 grantId);
    error Consent__AlreadyRevoked(uint256 grantId);
    error Consent__GrantRevoked(uint256 grantId);
    error Consent__GrantExpired(uint256 grantId, uint64 expiry);
    error Consent__ScopeNotGranted(uint32 requested, uint32 granted);
    error Consent__NotCurrentBundle(uint256 grantId);

    constructor(ConsentVerifier verifier_) {
        if (address(verifier_) == address(0)) revert Consent__ZeroAddress();
        verifier = verifier_;
    }

    // ---------------------------------------------------------------- grants

    /// @notice The grantee records a patient's consent, proven in zero knowledge.
    /// @param p The parameters the patient's proof is bound to.
    /// @param pseudonym Poseidon(identitySecret, grantee, consentDomain(), grantIndex): the proof's first public signal.
    /// @param proof Groth16 proof (a, b, c) packed as in src/zk/toSolidityProof.ts.
    function grant(GrantParams calldata p, uint256 pseudonym, uint256[8] calldata proof)
        external
        returns (uint256 grantId)
    {
        if (msg.sender != p.grantee) revert Consent__NotGrantee(msg.sender, p.grantee);
        if (p.expiry <= block.timestamp) revert Consent__ExpiryNotInFuture(p.expiry, block.timestamp);
        if (p.expiry > type(uint40).max) revert Consent__ExpiryTooLate(p.expiry);
        if (p.scopesMask == 0 || p.scopesMask >> SCOPE_COUNT != 0) revert Consent__InvalidScopes(p.scopesMask);
        if (p.threshold == 0) revert Consent__InvalidThreshold();
        if (p.proxiesHash >> 248 != 0) revert Consent__InvalidProxiesHash();
        uint256 cidLength = p.bundleCid.length;
        if (cidLength == 0 || cidLength > MAX_BUNDLE_CID_LENGTH) revert Consent__InvalidBundleCid(cidLength);

        uint256 paramsHash =
            grantParamsHash(p.grantee, p.scopesMask, p.expiry, p.proxiesHash, p.threshold, keccak256(p.bundleCid));
        // Without this a revoked grant could be recorded again from its own proof.
        if (_grantOfParams[paramsHash] != 0) revert Consent__ProofReplayed(paramsHash);
        _verify(proof, pseudonym, p.grantee, paramsHash);

        unchecked {
            // Cannot overflow: one increment per transaction.
            grantId = ++_grantCount;
        }
        _grantOfParams[paramsHash] = grantId;
        _grants[grantId] = Grant({
            grantee: p.grantee,
            scopesMask: p.scopesMask,
            expiry: uint40(p.expiry),
            threshold: p.threshold,
            revoked: false,
            pseudonym: pseudonym
        });
        emit GrantCreated(grantId, p.grantee, pseudonym, p.scopesMask, p.expiry, p.threshold, p.proxiesHash, p.bundleCid);
    }

    /// @notice Ends a grant. Anyone may submit: the proof shows the grant's own pseudonym.
    function revoke(uint256 grantId, uint256[8] calldata proof) external {
        Grant storage stored = _grant(grantId);
        if (stored.revoked) revert Consent__AlreadyRevoked(grantId);
        _verify(proof, stored.pseudonym, stored.grantee, revokeParamsHash(grantId));
        stored.revoked = true;
        emit GrantRevoked(grantId);
    }

    /// @notice Replaces an active grant's key-fragment bundle: the patient rotated a scope's key
    /// (after revoking another grant) and gives this grantee fragments for the new epoch. Anyone may
    /// submit: the proof shows the grant's own pseudonym, bound to the new bundle. The bundle it
    /// replaces (`previous…`, from the last GrantCreated or GrantReissued) stops being this grant's,
    /// so grantIdOf sends proxies to the new one only.
    function reissue(uint256 grantId, Reissue calldata r, uint256[8] calldata proof) external {
        Grant storage stored = _grant(grantId);
        if (stored.revoked) revert Consent__GrantRevoked(grantId);
        if (stored.expiry <= block.timestamp) revert Consent__GrantExpired(grantId, stored.expiry);
        if (r.proxiesHash >> 248 != 0) revert Consent__InvalidProxiesHash();
        uint256 cidLength = r.bundleCid.length;
        if (cidLength == 0 || cidLength > MAX_BUNDLE_CID_LENGTH) revert Consent__InvalidBundleCid(cidLength);
        uint256 previous = _paramsHashOf(stored, r.previousProxiesHash, keccak256(r.previousBundleCid));
        if (_grantOfParams[previous] != grantId) revert Consent__NotCurrentBundle(grantId);
        bytes32 cidHash = keccak256(r.bundleCid);
        uint256 next = _paramsHashOf(stored, r.proxiesHash, cidHash);
        if (_grantOfParams[next] != 0) revert Consent__ProofReplayed(next);
        _verify(proof, stored.pseudonym, stored.grantee, reissueParamsHash(grantId, r.proxiesHash, cidHash));
        _grantOfParams[previous] = SUPERSEDED;
        _grantOfParams[next] = grantId;
        emit GrantReissued(grantId, r.proxiesHash, r.bundleCid);
    }

    /// @notice The grantee opens an access session on `scopesMask` (a subset of the grant's scopes).
    function logAccess(uint256 grantId, uint32 scopesMask) external returns (uint256 sessionId) {
        Grant storage stored = _grant(grantId);
        if (msg.sender != stored.grantee) revert Consent__NotGrantee(msg.sender, stored.grantee);
        if (stored.revoked) revert Consent__GrantRevoked(grantId);
        if (stored.expiry <= block.timestamp) revert Consent__GrantExpired(grantId, stored.expiry);
        if (scopesMask == 0 || scopesMask & ~stored.scopesMask != 0) {
            revert Consent__ScopeNotGranted(scopesMask, stored.scopesMask);
        }
        unchecked {
            sessionId = ++_sessionCount;
        }
        uint64 timestamp = uint64(block.timestamp);
        for (uint256 i = 0; i < SCOPE_COUNT; i++) {
            if ((scopesMask >> i) & 1 == 1) _lastSession[grantId][i] = timestamp;
        }
        emit AccessLogged(grantId, sessionId, msg.sender, scopesMask, timestamp);
    }

    // ----------------------------------------------------------------- views

    function grantInfo(uint256 grantId) external view returns (Grant memory) {
        return _grant(grantId);
    }

    /// @notice Known, not revoked and not expired.
    function isActive(uint256 grantId) public view returns (bool) {
        Grant storage stored = _grants[grantId];
        return stored.grantee != address(0) && !stored.revoked && stored.expiry > block.timestamp;
    }

    /// @notice Whether the grant's scopes include scope number `scopeIndex`; says nothing about isActive.
    function covers(uint256 grantId, uint256 scopeIndex) external view returns (bool) {
        return scopeIndex < SCOPE_COUNT && (_grant(grantId).scopesMask >> scopeIndex) & 1 == 1;
    }

    /// @notice When the grantee last logged a session on this grant that included scope number
    /// `scopeIndex` (0: never). Proxies check the scope of each request against it.
    function lastSession(uint256 grantId, uint256 scopeIndex) external view returns (uint64) {
        _grant(grantId);
        return _lastSession[grantId][scopeIndex];
    }

    /// @notice The grant recorded with this grantParamsHash (0: none). Lets anyone check that
    /// a GrantCreated event's proxiesHash and bundleCid are the ones the grant's proof bound.
    function grantIdOf(uint256 paramsHash) external view returns (uint256) {
        uint256 grantId = _grantOfParams[paramsHash];
        return grantId == SUPERSEDED ? 0 : grantId;
    }

    function grantCount() external view returns (uint256) {
        return _grantCount;
    }

    function sessionCount() external view returns (uint256) {
        return _sessionCount;
    }

    /// @notice uint256(keccak256(abi.encode(GRANT_DOMAIN, block.chainid, address(this), grantee,
    /// scopesMask, expiry, proxiesHash, threshold, keccak256(bundleCid)))) >> 8: grantParamsHash in
    /// src/zk/grantHash.ts. The chain id and this contract's address bind a proof to this one
    /// deployment: it replays on no other chain and no redeploy, even where care nodes share keys.
    /// The shift keeps it below the BN254 scalar field, so the circuit's public input is this exact value.
    function grantParamsHash(
        address grantee,
        uint32 scopesMask,
        uint64 expiry,
        uint256 proxiesHash,
        uint8 threshold,
        bytes32 bundleCidHash
    ) public view returns (uint256) {
        return uint256(
            keccak256(
                abi.encode(
                    GRANT_DOMAIN,
                    block.chainid,
                    address(this),
                    grantee,
                    scopesMask,
                    expiry,
                    proxiesHash,
                    threshold,
                    bundleCidHash
                )
            )
        ) >> 8;
    }

    /// @notice uint256(keccak256(abi.encode(REVOKE_DOMAIN, block.chainid, address(this), grantId))) >> 8:
    /// revokeParamsHash in src/zk/grantHash.ts, bound to this deployment like grantParamsHash.
    function revokeParamsHash(uint256 grantId) public view returns (uint256) {
        return uint256(keccak256(abi.encode(REVOKE_DOMAIN, block.chainid, address(this), grantId))) >> 8;
    }

    /// @notice uint256(keccak256(abi.encode(block.chainid, address(this)))) >> 8: consentDomain in
    /// src/zk/consentPseudonym.ts. The circuit hashes it into every pseudonym, so one patient's
    /// pseudonyms for one doctor on two deployments share nothing.
    function consentDomain() public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this)))) >> 8;
    }

    /// @notice uint256(keccak256(abi.encode(REISSUE_DOMAIN, block.chainid, address(this), grantId, proxiesHash,
    /// keccak256(bundleCid)))) >> 8: reissueParamsHash in src/zk/grantHash.ts.
    function reissueParamsHash(uint256 grantId, uint256 proxiesHash, bytes32 bundleCidHash) public view returns (uint256) {
        return uint256(
            keccak256(abi.encode(REISSUE_DOMAIN, block.chainid, address(this), grantId, proxiesHash, bundleCidHash))
        ) >> 8;
    }

    // -------------------------------------------------------------- internal

    function _verify(uint256[8] calldata proof, uint256 pseudonym, address grantee, uint256 paramsHash) private view {
        bool valid = verifier.verifyProof(
            [proof[0], proof[1]],
            [[proof[2], proof[3]], [proof[4], proof[5]]],
            [proof[6], proof[7]],
            [pseudonym, uint256(uint160(grantee)), paramsHash, consentDomain()]
        );
        if (!valid) revert Consent__InvalidProof();
    }

    function _paramsHashOf(Grant storage stored, uint256 proxiesHash, bytes32 cidHash) private view returns (uint256) {
        return grantParamsHash(stored.grantee, stored.scopesMask, stored.expiry, proxiesHash, stored.threshold, cidHash);
    }

    function _grant(uint256 grantId) private view returns (Grant storage stored) {
        stored = _grants[grantId];
        if (stored.grantee == address(0)) revert Consent__UnknownGrant(grantId);
    }
}
