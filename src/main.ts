import { mount } from 'svelte'
import App from './ui/App.svelte'
import { registerServiceWorker } from './ui/offline/registerServiceWorker.ts'
import { Session } from './ui/state/Session.svelte.ts'

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')

const session = new Session()
mount(App, { target, props: { session } })
void session.start()
registerServiceWorker()
