// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Test} from "./lib/Test.sol";
import {Registry} from "../Registry.sol";

contract RegistryTest is Test {
    Registry internal registry;
    address internal registrar = address(0x1001);
    address internal medical = address(0x1002);
    address internal ems = address(0x1003);
    address internal insurance = address(0x1004);
    address internal careAuthority = address(0x1005);
    address internal doctor = address(0x2001);

    bytes32[4] internal authorityRoles;
    bytes32[4] internal providerRoles;
    address[4] internal authorities;

    function setUp() public {
        registry = new Registry(registrar);
        authorityRoles = [
            registry.MEDICAL_AUTHORITY_ROLE(),
            registry.EMS_AUTHORITY_ROLE(),
            registry.INSURANCE_AUTHORITY_ROLE(),
            registry.CARE_NODE_AUTHORITY_ROLE()
        ];
        providerRoles =
            [registry.DOCTOR_ROLE(), registry.RESPONDER_ROLE(), registry.INSURER_ROLE(), registry.CARE_NODE_ROLE()];
        authorities = [medical, ems, insurance, careAuthority];
        vm.startPrank(registrar);
        for (uint256 i = 0; i < 4; ++i) {
            registry.appointAuthority(authorityRoles[i], authorities[i]);
        }
        vm.stopPrank();
    }

    function _profile(string memory name) internal pure returns (Registry.Profile memory profile) {
        profile.name = name;
        profile.specialty = "cardiology";
        profile.licenceNumberHash = keccak256("GMC-1234567");
        profile.hospital = "St Mary's";
        profile.umbralPublicKey = abi.encodePacked(bytes1(0x02), keccak256(bytes(name)));
        profile.peerId = "12D3KooWExample";
        profile.multiaddrs = new string[](1);
        profile.multiaddrs[0] = "/dns4/relay.example/tcp/443/wss";
    }

    function _certifiedDoctor() internal {
        bytes32 role = registry.DOCTOR_ROLE(); // read first: a call would use up the prank
        vm.prank(medical);
        registry.certify(role, doctor);
    }

    // ------------------------------------------------------------------ roles

    function testFuzz_onlyTheRegistrarAppointsAuthorities(address caller, uint8 which, address account) public {
        vm.assume(caller != registrar && account != address(0));
        bytes32 role = authorityRoles[which % 4];
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, caller, registry.REGISTRAR_ROLE()
            )
        );
        vm.prank(caller);
        registry.appointAuthority(role, account);
    }

    function testFuzz_onlyTheMatchingAuthorityCertifies(uint8 authorityIndex, uint8 roleIndex, address account)
        public
    {
        vm.assume(account != address(0));
        uint256 a = authorityIndex % 4;
        uint256 r = roleIndex % 4;
        bytes32 role = providerRoles[r];
        if (a != r) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector, authorities[a], authorityRoles[r]
                )
            );
        }
        vm.prank(authorities[a]);
        registry.certify(role, account);
        assertEq(registry.hasRole(role, account), a == r, "certified only by the matching authority");
    }

    function test_registrarCannotCertifyProvidersDirectly() public {
        bytes32 role = registry.DOCTOR_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, registrar, registry.MEDICAL_AUTHORITY_ROLE()
            )
        );
        vm.prank(registrar);
        registry.certify(role, doctor);
    }

    function testFuzz_roleKindsAreChecked(bytes32 role) public {
        vm.assume(!registry.isProviderRole(role) && !registry.isAuthorityRole(role));
        vm.expectRevert(abi.encodeWithSelector(Registry.Registry__NotAProviderRole.selector, role));
        vm.prank(medical);
        registry.certify(role, doctor);
        vm.expectRevert(abi.encodeWithSelector(Registry.Registry__NotAnAuthorityRole.selector, role));
        vm.prank(registrar);
        registry.appointAuthority(role, doctor);
    }

    function test_dismissedAuthorityCannotCertify() public {
        bytes32 authorityRole = registry.MEDICAL_AUTHORITY_ROLE();
        bytes32 role = registry.DOCTOR_ROLE();
        vm.prank(registrar);
        registry.dismissAuthority(authorityRole, medical);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, medical, authorityRole)
        );
        vm.prank(medical);
        registry.certify(role, doctor);
    }

    // -------------------------------------------------------------- directory

    function testFuzz_uncertifiedAccountsCannotRegister(address caller) public {
        vm.assume(caller != doctor);
        _certifiedDoctor();
        bytes32 role = registry.DOCTOR_ROLE();
        Registry.Profile memory profile = _profile("Dr. Nobody");
        vm.expectRevert(abi.encodeWithSelector(Registry.Registry__NotCertified.selector, caller, role));
        vm.prank(caller);
        registry.registerProvider(role, profile);
    }

    function test_certifiedDoctorRegistersAndIsListed() public {
        _certifiedDoctor();
        bytes32 role = registry.DOCTOR_ROLE();
        vm.prank(doctor);
        registry.registerProvider(role, _profile("Dr. Amara Okafor"));

        assertEq(registry.directorySize(), 1, "directory size");
        Registry.Provider memory entry = registry.providerAt(0);
        assertEq(entry.account, doctor, "account");
        assertEq(entry.role, role, "role");
        assertTrue(entry.active, "active");
        assertEq(entry.profile.name, "Dr. Amara Okafor", "name");
        assertEq(entry.profile.multiaddrs[0], "/dns4/relay.example/tcp/443/wss", "multiaddr");
        assertEq(registry.provider(doctor).profile.hospital, "St Mary's", "lookup by address");

        vm.expectRevert(abi.encodeWithSelector(Registry.Registry__AlreadyRegistered.selector, doctor));
        vm.prank(doctor);
        registry.registerProvider(role, _profile("Dr. Amara Okafor"));
        vm.expectRevert(abi.encodeWithSelector(Registry.Registry__IndexOutOfRange.selector, 1, 1));
        registry.providerAt(1);
    }

    function test_updateReplacesTheProfile() public {
        _certifiedDoctor();
        bytes32 role = registry.DOCTOR_ROLE();
        vm.startPrank(doctor);
        registry.registerProvider(role, _profile("Dr. Amara Okafor"));
        Registry.Profile memory profile = _profile("Dr. Amara Okafor");
        profile.peerId = "12D3KooWNewPeer";
        registry.updateProvider(profile);
        vm.stopPrank();
        assertEq(registry.provider(doctor).profile.peerId, "12D3KooWNewPeer", "peer id updated");

        vm.expectRevert(abi.encodeWithSelector(Registry.Registry__NotRegistered.selector, address(this)));
        registry.updateProvider(profile);
    }

    function test_decertificationDeactivatesTheEntry() public {
        _certifiedDoctor();
        bytes32 role = registry.DOCTOR_ROLE();
        vm.prank(doctor);
        registry.registerProvider(role, _profile("Dr. Lukas Weber"));
        vm.prank(medical);
        registry.decertify(role, doctor);
        assertFalse(registry.provider(doctor).active, "inactive after decertification");

        vm.expectRevert(abi.encodeWithSelector(Registry.Registry__NotCertified.selector, doctor, role));
        vm.prank(doctor);
        registry.setProviderActive(true);
    }

    function testFuzz_nameLengthIsLimited(uint256 length) public {
        length = bound(length, 0, 400);
        _certifiedDoctor();
        bytes32 role = registry.DOCTOR_ROLE();
        Registry.Profile memory profile = _profile("x");
        profile.name = string(new bytes(length));
        uint256 max = registry.MAX_NAME_LENGTH();
        if (length == 0) {
            vm.expectRevert(Registry.Registry__EmptyName.selector);
        } else if (length > max) {
            vm.expectRevert(abi.encodeWithSelector(Registry.Registry__FieldTooLong.selector, "name", length, max));
        }
        vm.prank(doctor);
        registry.registerProvider(role, profile);
        assertEq(registry.directorySize(), length > 0 && length <= max ? 1 : 0, "registered only within limits");
    }

    function testFuzz_umbralKeyMustBeCompressed(bytes memory key) public {
        vm.assume(key.length != 33 || (key[0] != 0x02 && key[0] != 0x03));
        _certifiedDoctor();
        bytes32 role = registry.DOCTOR_ROLE();
        Registry.Profile memory profile = _profile("Dr. Sofia Rossi");
        profile.umbralPublicKey = key;
        vm.expectRevert(abi.encodeWithSelector(Registry.Registry__InvalidUmbralPublicKey.selector, key.length));
        vm.prank(doctor);
        registry.registerProvider(role, profile);
    }

    function testFuzz_multiaddrsAreLimited(uint256 count, uint256 length) public {
        count = bound(count, 0, 12);
        length = bound(length, 1, 300);
        _certifiedDoctor();
        bytes32 role = registry.DOCTOR_ROLE();
        Registry.Profile memory profile = _profile("Dr. Sofia Rossi");
        profile.multiaddrs = new string[](count);
        for (uint256 i = 0; i < count; ++i) {
            profile.multiaddrs[i] = string(new bytes(length));
        }
        uint256 maxCount = registry.MAX_MULTIADDRS();
        uint256 maxLength = registry.MAX_MULTIADDR_LENGTH();
        bool ok = count <= maxCount && (count == 0 || length <= maxLength);
        if (count > maxCount) {
            vm.expectRevert(abi.encodeWithSelector(Registry.Registry__TooManyMultiaddrs.selector, count, maxCount));
        } else if (!ok) {
            vm.expectRevert(
                abi.encodeWithSelector(Registry.Registry__FieldTooLong.selector, "multiaddr", length, maxLength)
            );
        }
        vm.prank(doctor);
        registry.registerProvider(role, profile);
        assertEq(registry.directorySize(), ok ? 1 : 0, "registered only within limits");
    }
}
