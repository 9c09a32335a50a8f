import type { Component } from 'svelte'
import type { AccountRoles } from './state/accountRoles.ts'
import type { Session } from './state/Session.svelte.ts'
import type { Workspace } from './state/Workspace.svelte.ts'

export type SectionProps = { session: Session; workspace: Workspace }

export type Section = {
  /** Stable id, also the URL hash (#records). */
  id: string
  /** The navigation entry's accessible name. */
  label: string
  visible(roles: AccountRoles): boolean
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
    id: 'inbox',
    label: 'Inbox',
    visible: (roles) => roles.patient,
    badge: (workspace) => workspace.inbox.count,
    load: () => import('./pages/InboxPage.svelte'),
  },
  {
    id: 'sharing',
    label: 'Sharing',
    visible: (roles) => roles.patient,
    load: () => import('./pages/SharingPage.svelte'),
  },
  {
    id: 'patients',
    label: 'Patients',
    visible: (roles) => roles.doctor,
    load: () => import('./pages/DoctorPage.svelte'),
  },
  {
    id: 'appointments',
    label: 'Appointments',
    visible: (roles) => roles.patient,
    load: () => import('./pages/AppointmentsPage.svelte'),
  },
  {
    id: 'schedule',
    label: 'Schedule',
    visible: (roles) => roles.doctor,
    load: () => import('./pages/SchedulePage.svelte'),
  },
  {
    id: 'insurance',
    label: 'Insurance',
    visible: (roles) => roles.insurer,
    load: () => import('./pages/InsurerPage.svelte'),
  },
]

/** The sections in navigation order for these roles: a doctor lands on Patients, not on an empty vault of their own. */
export function sectionsFor(roles: AccountRoles): Section[] {
  const visible = sections.filter((section) => section.visible(roles))
  const patients = visible.find((section) => section.id === 'patients')
  return patients ? [patients, ...visible.filter((section) => section !== patients)] : visible
}
