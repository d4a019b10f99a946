// Web Locks, shared by the jobs and imports that guard a set across tabs.

/** The browser's lock manager, where it has one (every current browser; an old one runs unguarded). */
export const lockManager = (): LockManager | undefined => (navigator as Navigator & { locks?: LockManager }).locks;
