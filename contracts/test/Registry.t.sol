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
    address internal pharmacy = address(0x1006);
    address internal doctor = address(0x2001);
    address internal applicant = address(0x2002);

    uint256 internal constant KINDS = 5;
    bytes32[5] internal authorityRoles;
    bytes32[5] internal providerRoles;
    address[5] internal authorities;

    function setUp() public {
        registry = new Registry(registrar);
        authorityRoles = [
            registry.MEDICAL_AUTHORITY_ROLE(),
            registry.EMS_AUTHORITY_ROLE(),
            registry.INSURANCE_AUTHORITY_ROLE(),
            registry.CARE_NODE_AUTHORITY_ROLE(),
            registry.PHARMACY_AUTHORITY_ROLE()
        ];
        providerRoles = [
            registry.DOCTOR_ROLE(),
            registry.RESPONDER_ROLE(),
            registry.INSURER_ROLE(),
            registry.CARE_NODE_ROLE(),
            registry.PHARMACIST_ROLE()
        ];
        authorities = [medical, ems, insurance, careAuthority, pharmacy];
        vm.startPrank(registrar);
        for (uint256 i = 0; i < KINDS; ++i) {
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
        bytes32 role = authorityRoles[which % KINDS];
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
        uint256 a = authorityIndex % KINDS;
        uint256 r = roleIndex % KINDS;
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

    function testFuzz_anApplicationIsNotInTheDirectory(address caller, uint8 roleIndex) public {
        vm.assume(caller != address(0));
        bytes32 role = providerRoles[roleIndex % KINDS];
        vm.prank(caller);
        registry.registerProvider(role, _profile("Dr. Nobody"));

        assertEq(registry.directorySize(), 0, "not in the directory");
        assertFalse(registry.isListed(caller), "not listed");
        assertFalse(registry.provider(caller).active, "the entry reads as not listed");
        assertEq(registry.applicantCount(role), 1, "one applicant for the role");
        assertEq(registry.applicantAt(role, 0).account, caller, "the applicant");
        assertEq(registry.applicantAt(role, 0).profile.name, "Dr. Nobody", "the applicant's entry");
        for (uint256 i = 0; i < KINDS; ++i) {
            if (providerRoles[i] != role) assertEq(registry.applicantCount(providerRoles[i]), 0, "no other role");
        }
    }

    function test_certifyingAnApplicantListsIt() public {
        bytes32 role = registry.DOCTOR_ROLE();
        vm.prank(applicant);
        registry.registerProvider(role, _profile("Dr. Ines Duarte"));
        vm.prank(doctor);
        registry.registerProvider(role, _profile("Dr. Amara Okafor"));
        assertEq(registry.applicantCount(role), 2, "two applicants");

        vm.prank(medical);
        registry.certify(role, applicant);
        assertEq(registry.applicantCount(role), 1, "one applicant left");
        assertEq(registry.applicantAt(role, 0).account, doctor, "the other applicant waits");
        assertEq(registry.directorySize(), 1, "listed");
        assertEq(registry.providerAt(0).account, applicant, "the certified account");
        assertTrue(registry.providerAt(0).active, "active");
        assertTrue(registry.isListed(applicant), "isListed");
        assertEq(registry.getRoleMemberCount(role), 1, "one member");
        assertEq(registry.getRoleMember(role, 0), applicant, "the member");
    }

    function test_wrongAuthorityCannotCertifyAnApplicant() public {
        bytes32 role = registry.DOCTOR_ROLE();
        bytes32 medicalRole = registry.MEDICAL_AUTHORITY_ROLE();
        vm.prank(applicant);
        registry.registerProvider(role, _profile("Dr. Ines Duarte"));
        for (uint256 i = 1; i < KINDS; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector, authorities[i], medicalRole
                )
            );
            vm.prank(authorities[i]);
            registry.certify(role, applicant);
        }
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, applicant, medicalRole)
        );
        vm.prank(applicant);
        registry.certify(role, applicant);
        assertEq(registry.directorySize(), 0, "still not listed");
        assertEq(registry.applicantCount(role), 1, "still an applicant");
    }

    function test_certifyingForAnotherRoleDoesNotListTheApplication() public {
        bytes32 role = registry.PHARMACIST_ROLE();
        bytes32 doctorRole = registry.DOCTOR_ROLE();
        vm.prank(applicant);
        registry.registerProvider(role, _profile("Lena Vogel"));
        vm.prank(medical);
        registry.certify(doctorRole, applicant);
        assertFalse(registry.isListed(applicant), "a doctor certificate does not list a pharmacist entry");
        assertEq(registry.applicantCount(role), 1, "still a pharmacist applicant");
        vm.prank(pharmacy);
        registry.certify(role, applicant);
        assertTrue(registry.isListed(applicant), "the pharmacy council lists it");
        assertEq(registry.applicantCount(role), 0, "no applicant left");
    }

    function test_nonRegistrarCannotAppointOrDismiss() public {
        bytes32 role = registry.PHARMACY_AUTHORITY_ROLE();
        bytes32 registrarRole = registry.REGISTRAR_ROLE();
        for (uint256 i = 0; i < KINDS; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector, authorities[i], registrarRole
                )
            );
            vm.prank(authorities[i]);
            registry.appointAuthority(role, applicant);
        }
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, medical, registrarRole)
        );
        vm.prank(medical);
        registry.dismissAuthority(role, pharmacy);
        assertTrue(registry.hasRole(role, pharmacy), "still appointed");
        assertEq(registry.getRoleMemberCount(role), 1, "one pharmacy council");
    }

    function test_updateWorksForApplicants() public {
        bytes32 role = registry.RESPONDER_ROLE();
        vm.startPrank(applicant);
        registry.registerProvider(role, _profile("Jonas Berg"));
        Registry.Profile memory profile = _profile("Jonas Berg");
        profile.hospital = "City EMS, Station 3";
        registry.updateProvider(profile);
        vm.stopPrank();
        assertEq(registry.provider(applicant).profile.hospital, "City EMS, Station 3", "updated");
        assertEq(registry.applicantCount(role), 1, "still one application, not two");
    }

    function test_decertifiedProviderDisappears() public {
        bytes32 role = registry.DOCTOR_ROLE();
        vm.prank(applicant);
        registry.registerProvider(role, _profile("Dr. Ines Duarte"));
        _certifiedDoctor();
        vm.prank(doctor);
        registry.registerProvider(role, _profile("Dr. Amara Okafor"));
        vm.prank(medical);
        registry.certify(role, applicant);
        assertEq(registry.directorySize(), 2, "two listed");

        vm.prank(medical);
        registry.decertify(role, doctor);
        assertEq(registry.directorySize(), 1, "one listed");
        assertEq(registry.providerAt(0).account, applicant, "the other stays");
        assertFalse(registry.isListed(doctor), "gone");
        assertFalse(registry.provider(doctor).active, "reads as not listed");
        assertEq(registry.applicantCount(role), 0, "a decertified provider is not an applicant");
        assertEq(registry.getRoleMemberCount(role), 1, "one member");

        // Updating the entry applies again; certifying again lists it again.
        vm.prank(doctor);
        registry.updateProvider(_profile("Dr. Amara Okafor"));
        assertEq(registry.applicantCount(role), 1, "applies again");
        vm.prank(medical);
        registry.certify(role, doctor);
        assertTrue(registry.isListed(doctor), "listed again");
        assertEq(registry.directorySize(), 2, "two listed again");
    }

    function test_renouncingTheRoleLeavesTheDirectory() public {
        bytes32 role = registry.INSURER_ROLE();
        vm.prank(insurance);
        registry.certify(role, doctor);
        vm.startPrank(doctor);
        registry.registerProvider(role, _profile("Helvetia Care"));
        registry.renounceRole(role, doctor);
        vm.stopPrank();
        assertEq(registry.directorySize(), 0, "left the directory");
    }

    function test_hiddenEntryIsNotListedButStaysCertified() public {
        _certifiedDoctor();
        bytes32 role = registry.DOCTOR_ROLE();
        vm.startPrank(doctor);
        registry.registerProvider(role, _profile("Dr. Amara Okafor"));
        registry.setProviderActive(false);
        vm.stopPrank();
        assertFalse(registry.isListed(doctor), "hidden");
        assertFalse(registry.providerAt(0).active, "reads as not listed");
        vm.prank(doctor);
        registry.setProviderActive(true);
        assertTrue(registry.isListed(doctor), "shown again");
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

        // Showing it again does not list it: the certification is gone.
        vm.prank(doctor);
        registry.setProviderActive(true);
        assertFalse(registry.provider(doctor).active, "still not listed");
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

    function testFuzz_applicationsAreValidatedToo(uint256 length) public {
        length = bound(length, 0, 400);
        bytes32 role = registry.DOCTOR_ROLE();
        Registry.Profile memory profile = _profile("x");
        profile.name = string(new bytes(length));
        uint256 max = registry.MAX_NAME_LENGTH();
        if (length == 0) {
            vm.expectRevert(Registry.Registry__EmptyName.selector);
        } else if (length > max) {
            vm.expectRevert(abi.encodeWithSelector(Registry.Registry__FieldTooLong.selector, "name", length, max));
        }
        vm.prank(applicant);
        registry.registerProvider(role, profile);
        assertEq(registry.applicantCount(role), length > 0 && length <= max ? 1 : 0, "applied only within limits");
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
