import type { Component } from 'svelte'
import { heldAuthorities, type AccountRoles } from './state/accountRoles.ts'
import type { Session } from './state/Session.svelte.ts'
import type { Workspace } from './state/Workspace.svelte.ts'

export type SectionProps = { session: Session; workspace: Workspace }

export type Section = {
  /** Stable id, also the URL hash (#records). */
  id: string
  /** The navigation entry's accessible name. */
  label: string
  visible(roles: AccountRoles): boolean
  /**
   * What the section needs the network for, when it cannot work without it; offline,
   * the shell says so above the page (OfflineNotice) instead of leaving a spinner.
   * Sections without it (records, the responder page) work offline.
   */
  needsNetwork?: string
  /** A count shown beside the label (e.g. items waiting in the inbox); 0 shows nothing. */
  badge?: (workspace: Workspace) => number
  /** Pages load on demand, so a patient never downloads the doctor's code. */
  load: () => Promise<{ default: Component<SectionProps> }>
}

/** The app's sections, in navigation order; the shell shows those visible for the account's roles. */
export const sections: Section[] = [
  {
    id: 'records',
    label: 'Records',
    visible: () => true,
    load: () => import('./pages/VaultPage.svelte'),
  },
  {
    id: 'timeline',
    label: 'Timeline',
    visible: () => true,
    load: () => import('./pages/TimelinePage.svelte'),
  },
  {
    id: 'inbox',
    label: 'Inbox',
    visible: (roles) => roles.patient,
    badge: (workspace) => workspace.inbox.count,
    load: () => import('./pages/InboxPage.svelte'),
  },
  {
    id: 'sharing',
    needsNetwork: 'Sharing with doctors',
    label: 'Sharing',
    visible: (roles) => roles.patient,
    load: () => import('./pages/SharingPage.svelte'),
  },
  {
    id: 'emergency',
    needsNetwork: 'Publishing, updating or rotating your emergency card',
    label: 'Emergency card',
    visible: (roles) => roles.patient,
    load: () => import('./pages/EmergencyPage.svelte'),
  },
  {
    id: 'respond',
    label: 'Respond',
    visible: (roles) => roles.responder,
    load: () => import('./pages/RespondPage.svelte'),
  },
  {
    id: 'patients',
    needsNetwork: "Opening your patients' records",
    label: 'Patients',
    visible: (roles) => roles.doctor,
    load: () => import('./pages/DoctorPage.svelte'),
  },
  {
    id: 'prescriptions',
    needsNetwork: 'Presenting, sending and paying for prescriptions',
    label: 'Prescriptions',
    visible: (roles) => roles.patient,
    load: () => import('./pages/PrescriptionsPage.svelte'),
  },
  {
    id: 'pharmacy',
    needsNetwork: 'Reading, dispensing and invoicing prescriptions',
    label: 'Pharmacy',
    visible: (roles) => roles.pharmacist,
    load: () => import('./pages/PharmacyPage.svelte'),
  },
  {
    id: 'appointments',
    needsNetwork: 'Booking and paying for appointments',
    label: 'Appointments',
    visible: (roles) => roles.patient,
    load: () => import('./pages/AppointmentsPage.svelte'),
  },
  {
    id: 'insurance-history',
    label: 'Insurance history',
    visible: (roles) => roles.patient,
    load: () => import('./pages/InsuranceHistoryPage.svelte'),
  },
  {
    id: 'schedule',
    needsNetwork: 'Your schedule',
    label: 'Schedule',
    visible: (roles) => roles.doctor,
    load: () => import('./pages/SchedulePage.svelte'),
  },
  {
    id: 'insurance',
    needsNetwork: 'Insurance plans and claims',
    label: 'Insurance',
    visible: (roles) => roles.insurer,
    load: () => import('./pages/InsurerPage.svelte'),
  },
  {
    id: 'registry',
    label: 'Registry',
    visible: (roles) => roles.registrar || heldAuthorities(roles).length > 0,
    load: () => import('./pages/RegistryPage.svelte'),
  },
  {
    id: 'profile',
    label: 'Profile',
    visible: () => true,
    load: () => import('./pages/ProfilePage.svelte'),
  },
]

/**
 * The sections in navigation order for these roles. A provider lands on their work, not on an
 * empty vault of their own: a doctor on Patients, a responder on Respond, a pharmacist on Pharmacy.
 */
export function sectionsFor(roles: AccountRoles): Section[] {
  const visible = sections.filter((section) => section.visible(roles))
  const first = ['patients', 'respond', 'pharmacy'].flatMap((id) => visible.filter((section) => section.id === id))
  return [...first, ...visible.filter((section) => !first.includes(section))]
}
