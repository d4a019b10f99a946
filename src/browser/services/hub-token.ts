// Where a Hub access token is remembered when the user ticks "remember" in
// <hub-push>: the app's settings store (IndexedDB), under its own key so it is
// never part of the settings object the pages pass around, and so "Delete
// everything" on the settings page removes it too.
import type { TokenStore } from '../components/hub-push.ts';
import { store } from './app-state.ts';

const KEY = 'hubToken';

export const hubTokenStore: TokenStore = {
  async load() {
    return (await (await store()).getSetting<string | null>(KEY, null)) || null;
  },
  async save(token: string) {
    await (await store()).setSetting(KEY, token);
  },
  async clear() {
    await (await store()).setSetting(KEY, null);
  },
};
