// A comlink proxy that fails instead of hanging when its worker cannot start. A tab left open
// while a new version of the site takes over asks for worker scripts the new version no longer
// serves; comlink's calls to such a worker would wait forever with the page showing "working…".
import { wrap, type Remote } from 'comlink';
import { t } from '../i18n/i18n.ts';

export function guardedWorker<T>(worker: Worker, name: string): Remote<T> {
  const remote = wrap<T>(worker);
  let failure: Error | null = null;
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (e) => {
      // A script that did not load fires a plain error event; an uncaught error inside a running
      // worker carries a message and is not a reason to give up on the worker.
      if (e instanceof ErrorEvent && e.message) return;
      failure = new Error(t('app.workerFailed', { name }));
      reject(failure);
    });
  });
  failed.catch(() => undefined);
  return new Proxy(remote as object, {
    get(target, prop) {
      const member = Reflect.get(target, prop) as unknown;
      if (typeof prop !== 'string' || prop === 'then') return member;
      return (...args: unknown[]) => (failure ? Promise.reject(failure) : Promise.race([(member as (...a: unknown[]) => Promise<unknown>)(...args), failed]));
    },
  }) as Remote<T>;
}
