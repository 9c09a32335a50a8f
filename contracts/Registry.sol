// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title Registry
/// @notice Who may act as a doctor, ambulance responder, insurer or care node, and
/// the public directory where they publish how to reach them.
/// @dev Role tree: REGISTRAR appoints the four authorities; each authority certifies
/// its own kind of provider. AccessControl's role admins enforce exactly that, so
/// grantRole/revokeRole and the named functions below agree.
contract Registry is AccessControl {
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR");
    bytes32 public constant MEDICAL_AUTHORITY_ROLE = keccak256("MEDICAL_AUTHORITY");
    bytes32 public constant EMS_AUTHORITY_ROLE = keccak256("EMS_AUTHORITY");
    bytes32 public constant INSURANCE_AUTHORITY_ROLE = keccak256("INSURANCE_AUTHORITY");
    bytes32 public constant CARE_NODE_AUTHORITY_ROLE = keccak256("CARE_NODE_AUTHORITY");
    bytes32 public constant DOCTOR_ROLE = keccak256("DOCTOR");
    bytes32 public constant RESPONDER_ROLE = keccak256("RESPONDER");
    bytes32 public constant INSURER_ROLE = keccak256("INSURER");
    bytes32 public constant CARE_NODE_ROLE = keccak256("CARE_NODE");

    // Limits in bytes (UTF-8): enough for real names and addresses, small enough
    // that a directory page stays cheap to read in a browser.
    uint256 public constant MAX_NAME_LENGTH = 96;
    uint256 public constant MAX_SPECIALTY_LENGTH = 64;
    uint256 public constant MAX_HOSPITAL_LENGTH = 128;
    uint256 public constant MAX_PEER_ID_LENGTH = 128;
    uint256 public constant MAX_MULTIADDR_LENGTH = 256;
    uint256 public constant MAX_MULTIADDRS = 8;
    uint256 public constant UMBRAL_PUBLIC_KEY_LENGTH = 33;

    /// @notice What a provider publishes about themself.
    struct Profile {
        string name;
        string specialty;
        bytes32 licenceNumberHash;
        string hospital;
        bytes umbralPublicKey;
        string peerId;
        string[] multiaddrs;
    }

    /// @notice A directory entry: the profile plus who and under which role.
    struct Provider {
        address account;
        bytes32 role;
        bool active;
        Profile profile;
    }

    mapping(address account => Provider) private _providers;
    address[] private _directory;

    event AuthorityAppointed(bytes32 indexed role, address indexed account, address indexed registrar);
    event AuthorityDismissed(bytes32 indexed role, address indexed account, address indexed registrar);
    event ProviderCertified(bytes32 indexed role, address indexed account, address indexed authority);
    event ProviderDecertified(bytes32 indexed role, address indexed account, address indexed authority);
    event ProviderRegistered(address indexed account, bytes32 indexed role, string name);
    event ProviderUpdated(address indexed account, bytes32 indexed role);
    event ProviderActiveChanged(address indexed account, bool active);

    error Registry__ZeroAddress();
    error Registry__NotAnAuthorityRole(bytes32 role);
    error Registry__NotAProviderRole(bytes32 role);
    error Registry__NotCertified(address account, bytes32 role);
    error Registry__AlreadyRegistered(address account);
    error Registry__NotRegistered(address account);
    error Registry__EmptyName();
    error Registry__FieldTooLong(string field, uint256 length, uint256 max);
    error Registry__InvalidUmbralPublicKey(uint256 length);
    error Registry__TooManyMultiaddrs(uint256 count, uint256 max);
    error Registry__IndexOutOfRange(uint256 index, uint256 size);

    constructor(address registrar) {
        if (registrar == address(0)) revert Registry__ZeroAddress();
        _setRoleAdmin(REGISTRAR_ROLE, REGISTRAR_ROLE);
        _setRoleAdmin(MEDICAL_AUTHORITY_ROLE, REGISTRAR_ROLE);
        _setRoleAdmin(EMS_AUTHORITY_ROLE, REGISTRAR_ROLE);
        _setRoleAdmin(INSURANCE_AUTHORITY_ROLE, REGISTRAR_ROLE);
        _setRoleAdmin(CARE_NODE_AUTHORITY_ROLE, REGISTRAR_ROLE);
        _setRoleAdmin(DOCTOR_ROLE, MEDICAL_AUTHORITY_ROLE);
        _setRoleAdmin(RESPONDER_ROLE, EMS_AUTHORITY_ROLE);
        _setRoleAdmin(INSURER_ROLE, INSURANCE_AUTHORITY_ROLE);
        _setRoleAdmin(CARE_NODE_ROLE, CARE_NODE_AUTHORITY_ROLE);
        _grantRole(REGISTRAR_ROLE, registrar);
    }

    // ---------------------------------------------------------------- roles

    /// @notice The registrar appoints `account` as an authority of kind `role`.
    function appointAuthority(bytes32 role, address account) external {
        _requireAuthorityRole(role);
        if (account == address(0)) revert Registry__ZeroAddress();
        grantRole(role, account);
        emit AuthorityAppointed(role, account, msg.sender);
    }

    function dismissAuthority(bytes32 role, address account) external {
        _requireAuthorityRole(role);
        revokeRole(role, account);
        emit AuthorityDismissed(role, account, msg.sender);
    }

    /// @notice An authority certifies `account` as a provider of kind `role`
    /// (only the matching authority may: AccessControl checks the role admin).
    function certify(bytes32 role, address account) external {
        _requireProviderRole(role);
        if (account == address(0)) revert Registry__ZeroAddress();
        grantRole(role, account);
        emit ProviderCertified(role, account, msg.sender);
    }

    /// @notice Withdraws a certification; a directory entry listed under it goes inactive.
    function decertify(bytes32 role, address account) external {
        _requireProviderRole(role);
        revokeRole(role, account);
        emit ProviderDecertified(role, account, msg.sender);
    }

    function isProviderRole(bytes32 role) public pure returns (bool) {
        return role == DOCTOR_ROLE || role == RESPONDER_ROLE || role == INSURER_ROLE || role == CARE_NODE_ROLE;
    }

    function isAuthorityRole(bytes32 role) public pure returns (bool) {
        return role == MEDICAL_AUTHORITY_ROLE || role == EMS_AUTHORITY_ROLE || role == INSURANCE_AUTHORITY_ROLE
            || role == CARE_NODE_AUTHORITY_ROLE;
    }

    // ------------------------------------------------------------ directory

    /// @notice A certified provider lists themself in the directory under `role`.
    function registerProvider(bytes32 role, Profile calldata profile) external {
        _requireProviderRole(role);
        if (!hasRole(role, msg.sender)) revert Registry__NotCertified(msg.sender, role);
        Provider storage entry = _providers[msg.sender];
        if (entry.account != address(0)) revert Registry__AlreadyRegistered(msg.sender);
        _validate(profile);
        entry.account = msg.sender;
        entry.role = role;
        entry.active = true;
        entry.profile = profile;
        _directory.push(msg.sender);
        emit ProviderRegistered(msg.sender, role, profile.name);
    }

    /// @notice Replaces the caller's published profile (new keys, new addresses).
    function updateProvider(Profile calldata profile) external {
        Provider storage entry = _registered(msg.sender);
        if (!hasRole(entry.role, msg.sender)) revert Registry__NotCertified(msg.sender, entry.role);
        _validate(profile);
        entry.profile = profile;
        emit ProviderUpdated(msg.sender, entry.role);
    }

    /// @notice A provider hides (or shows again) their entry; showing needs a live certification.
    function setProviderActive(bool active) external {
        Provider storage entry = _registered(msg.sender);
        if (active && !hasRole(entry.role, msg.sender)) revert Registry__NotCertified(msg.sender, entry.role);
        _setActive(entry, active);
    }

    function directorySize() external view returns (uint256) {
        return _directory.length;
    }

    function providerAt(uint256 index) external view returns (Provider memory) {
        if (index >= _directory.length) revert Registry__IndexOutOfRange(index, _directory.length);
        return _providers[_directory[index]];
    }

    /// @notice The entry of `account`; reverts with Registry__NotRegistered if it has none.
    function provider(address account) external view returns (Provider memory) {
        return _registered(account);
    }

    // -------------------------------------------------------------- internal

    /// @dev Losing the role (revoked or renounced) takes the entry out of the live directory.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        Provider storage entry = _providers[account];
        if (revoked && entry.account != address(0) && entry.role == role) _setActive(entry, false);
    }

    function _setActive(Provider storage entry, bool active) private {
        if (entry.active == active) return;
        entry.active = active;
        emit ProviderActiveChanged(entry.account, active);
    }

    function _registered(address account) private view returns (Provider storage entry) {
        entry = _providers[account];
        if (entry.account == address(0)) revert Registry__NotRegistered(account);
    }

    function _requireAuthorityRole(bytes32 role) private pure {
        if (!isAuthorityRole(role)) revert Registry__NotAnAuthorityRole(role);
    }

    function _requireProviderRole(bytes32 role) private pure {
        if (!isProviderRole(role)) revert Registry__NotAProviderRole(role);
    }

    function _validate(Profile calldata profile) private pure {
        if (bytes(profile.name).length == 0) revert Registry__EmptyName();
        _checkLength("name", bytes(profile.name).length, MAX_NAME_LENGTH);
        _checkLength("specialty", bytes(profile.specialty).length, MAX_SPECIALTY_LENGTH);
        _checkLength("hospital", bytes(profile.hospital).length, MAX_HOSPITAL_LENGTH);
        _checkLength("peerId", bytes(profile.peerId).length, MAX_PEER_ID_LENGTH);
        bytes calldata key = profile.umbralPublicKey;
        // A compressed secp256k1 point: 0x02 or 0x03 prefix, then the x coordinate.
        if (key.length != UMBRAL_PUBLIC_KEY_LENGTH || (key[0] != 0x02 && key[0] != 0x03)) {
            revert Registry__InvalidUmbralPublicKey(key.length);
        }
        uint256 count = profile.multiaddrs.length;
        if (count > MAX_MULTIADDRS) revert Registry__TooManyMultiaddrs(count, MAX_MULTIADDRS);
        for (uint256 i = 0; i < count; ++i) {
            _checkLength("multiaddr", bytes(profile.multiaddrs[i]).length, MAX_MULTIADDR_LENGTH);
        }
    }

    function _checkLength(string memory field, uint256 length, uint256 max) private pure {
        if (length > max) revert Registry__FieldTooLong(field, length, max);
    }
}
