// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/AccessControlEnumerable.sol";

/// @title Registry
/// @notice Who may act as a doctor, pharmacist, ambulance responder, insurer or care node,
/// and the public directory where they publish how to reach them.
/// @dev Role tree: REGISTRAR appoints the five authorities; each authority certifies
/// its own kind of provider. AccessControl's role admins enforce exactly that, so
/// grantRole/revokeRole and the named functions below agree. Role members are
/// enumerable (an authority lists its members from the chain).
/// Anyone may write a directory entry for a provider role (an *application*); the entry
/// is listed only while its account holds that role and has not hidden it. The contract
/// keeps two sets so reads stay cheap: the listed entries (`directorySize`/`providerAt`)
/// and, per role, the applicants (`applicantCount`/`applicantAt`); certify moves an
/// applicant into the directory, decertify takes an entry out.
contract Registry is AccessControlEnumerable {
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR");
    bytes32 public constant MEDICAL_AUTHORITY_ROLE = keccak256("MEDICAL_AUTHORITY");
    bytes32 public constant EMS_AUTHORITY_ROLE = keccak256("EMS_AUTHORITY");
    bytes32 public constant INSURANCE_AUTHORITY_ROLE = keccak256("INSURANCE_AUTHORITY");
    bytes32 public constant CARE_NODE_AUTHORITY_ROLE = keccak256("CARE_NODE_AUTHORITY");
    bytes32 public constant PHARMACY_AUTHORITY_ROLE = keccak256("PHARMACY_AUTHORITY");
    bytes32 public constant DOCTOR_ROLE = keccak256("DOCTOR");
    bytes32 public constant RESPONDER_ROLE = keccak256("RESPONDER");
    bytes32 public constant INSURER_ROLE = keccak256("INSURER");
    bytes32 public constant CARE_NODE_ROLE = keccak256("CARE_NODE");
    bytes32 public constant PHARMACIST_ROLE = keccak256("PHARMACIST");

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

    /// @notice A directory entry: the profile plus who and under which role. Views return
    /// `active` as "listed now": the account holds `role` and has not hidden the entry.
    struct Provider {
        address account;
        bytes32 role;
        bool active;
        Profile profile;
    }

    /// @dev Stored `active` is the provider's own switch (setProviderActive); views add the role check.
    mapping(address account => Provider) private _providers;
    /// @dev Accounts whose entry's role they hold now (listed, or hidden by themself).
    address[] private _directory;
    /// @dev Accounts with an entry under `role` who do not hold it: applications.
    mapping(bytes32 role => address[]) private _applicants;
    /// @dev Position + 1 in _directory or in _applicants[entry.role] (0: in neither).
    mapping(address account => uint256) private _directoryPosition;
    mapping(address account => uint256) private _applicantPosition;

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
        _setRoleAdmin(PHARMACY_AUTHORITY_ROLE, REGISTRAR_ROLE);
        _setRoleAdmin(DOCTOR_ROLE, MEDICAL_AUTHORITY_ROLE);
        _setRoleAdmin(RESPONDER_ROLE, EMS_AUTHORITY_ROLE);
        _setRoleAdmin(INSURER_ROLE, INSURANCE_AUTHORITY_ROLE);
        _setRoleAdmin(CARE_NODE_ROLE, CARE_NODE_AUTHORITY_ROLE);
        _setRoleAdmin(PHARMACIST_ROLE, PHARMACY_AUTHORITY_ROLE);
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
    /// An application of `account` for `role` becomes a listed entry.
    function certify(bytes32 role, address account) external {
        _requireProviderRole(role);
        if (account == address(0)) revert Registry__ZeroAddress();
        grantRole(role, account);
        emit ProviderCertified(role, account, msg.sender);
    }

    /// @notice Withdraws a certification; a directory entry listed under it leaves the directory.
    function decertify(bytes32 role, address account) external {
        _requireProviderRole(role);
        revokeRole(role, account);
        emit ProviderDecertified(role, account, msg.sender);
    }

    function isProviderRole(bytes32 role) public pure returns (bool) {
        return role == DOCTOR_ROLE || role == RESPONDER_ROLE || role == INSURER_ROLE || role == CARE_NODE_ROLE
            || role == PHARMACIST_ROLE;
    }

    function isAuthorityRole(bytes32 role) public pure returns (bool) {
        return role == MEDICAL_AUTHORITY_ROLE || role == EMS_AUTHORITY_ROLE || role == INSURANCE_AUTHORITY_ROLE
            || role == CARE_NODE_AUTHORITY_ROLE || role == PHARMACY_AUTHORITY_ROLE;
    }

    // ------------------------------------------------------------ directory

    /// @notice Lists the caller under `role`: at once when they hold it, otherwise as an
    /// application that the role's authority sees and certifies (or not).
    function registerProvider(bytes32 role, Profile calldata profile) external {
        _requireProviderRole(role);
        Provider storage entry = _providers[msg.sender];
        if (entry.account != address(0)) revert Registry__AlreadyRegistered(msg.sender);
        _validate(profile);
        entry.account = msg.sender;
        entry.role = role;
        entry.active = true;
        entry.profile = profile;
        if (hasRole(role, msg.sender)) _addToDirectory(msg.sender);
        else _addApplicant(role, msg.sender);
        emit ProviderRegistered(msg.sender, role, profile.name);
    }

    /// @notice Replaces the caller's profile (new keys, new addresses). An account that lost
    /// its certification applies again by updating its entry.
    function updateProvider(Profile calldata profile) external {
        Provider storage entry = _registered(msg.sender);
        _validate(profile);
        entry.profile = profile;
        if (!hasRole(entry.role, msg.sender) && _applicantPosition[msg.sender] == 0) {
            _addApplicant(entry.role, msg.sender);
        }
        emit ProviderUpdated(msg.sender, entry.role);
    }

    /// @notice A provider hides (or shows again) their entry; it is listed only while certified.
    function setProviderActive(bool active) external {
        _setActive(_registered(msg.sender), active);
    }

    /// @notice How many accounts hold their entry's role (hidden entries included).
    function directorySize() external view returns (uint256) {
        return _directory.length;
    }

    /// @notice An entry of a certified account; its `active` says whether it is listed.
    /// Decertification reorders the directory (the last entry takes the freed place).
    function providerAt(uint256 index) external view returns (Provider memory) {
        if (index >= _directory.length) revert Registry__IndexOutOfRange(index, _directory.length);
        return _view(_providers[_directory[index]]);
    }

    /// @notice The entry of `account` (listed or not); reverts with Registry__NotRegistered if it has none.
    function provider(address account) external view returns (Provider memory) {
        return _view(_registered(account));
    }

    /// @notice Whether `account`'s entry is in the directory now (certified for its role, not hidden).
    function isListed(address account) public view returns (bool) {
        Provider storage entry = _providers[account];
        return entry.account != address(0) && entry.active && hasRole(entry.role, account);
    }

    /// @notice How many accounts applied for provider role `role` and are not certified.
    function applicantCount(bytes32 role) external view returns (uint256) {
        return _applicants[role].length;
    }

    /// @notice An application for `role`, in no fixed order (certification reorders them).
    function applicantAt(bytes32 role, uint256 index) external view returns (Provider memory) {
        address[] storage applicants = _applicants[role];
        if (index >= applicants.length) revert Registry__IndexOutOfRange(index, applicants.length);
        return _view(_providers[applicants[index]]);
    }

    // -------------------------------------------------------------- internal

    /// @dev Gaining the entry's role (certify, grantRole) moves an application into the directory.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        Provider storage entry = _providers[account];
        if (granted && entry.account != address(0) && entry.role == role) {
            _removeApplicant(role, account);
            _addToDirectory(account);
        }
    }

    /// @dev Losing the role (revoked or renounced) takes the entry out of the directory.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        Provider storage entry = _providers[account];
        if (revoked && entry.account != address(0) && entry.role == role) _removeFromDirectory(account);
    }

    function _view(Provider storage entry) private view returns (Provider memory result) {
        result = entry;
        result.active = entry.active && hasRole(entry.role, entry.account);
    }

    function _addToDirectory(address account) private {
        if (_directoryPosition[account] != 0) return;
        _directory.push(account);
        _directoryPosition[account] = _directory.length;
    }

    function _removeFromDirectory(address account) private {
        _directoryPosition[account] = _removeAt(_directory, _directoryPosition, _directoryPosition[account]);
    }

    function _addApplicant(bytes32 role, address account) private {
        address[] storage applicants = _applicants[role];
        applicants.push(account);
        _applicantPosition[account] = applicants.length;
    }

    function _removeApplicant(bytes32 role, address account) private {
        _applicantPosition[account] = _removeAt(_applicants[role], _applicantPosition, _applicantPosition[account]);
    }

    /// @dev Swap-and-pop of the account at `position` (1-based; 0 is a no-op); returns 0, its new position.
    function _removeAt(address[] storage list, mapping(address => uint256) storage positions, uint256 position)
        private
        returns (uint256)
    {
        if (position == 0) return 0;
        address last = list[list.length - 1];
        list[position - 1] = last;
        positions[last] = position;
        list.pop();
        return 0;
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
