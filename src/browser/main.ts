import './app/saturi-app.ts';
import { registerServiceWorker } from './pwa/register.ts';

registerServiceWorker().catch((e) => console.warn('service worker not registered:', e));
