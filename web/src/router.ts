/**
 * Client-side routes under the mount path (`<base href>` set by the gateway): `keys/key_1` is `/ui/keys/key_1`.
 * The gateway answers every such path with the app's index page.
 */
import { useEffect, useState } from 'react';

export function basePath(): string {
  return new URL(document.baseURI).pathname;
}

/** The route relative to the mount path, without leading or trailing slashes. */
function currentRoute(): string {
  const base = basePath();
  const path = window.location.pathname;
  return (path.startsWith(base) ? path.slice(base.length) : '').replace(/^\/+|\/+$/g, '');
}

const listeners = new Set<() => void>();

export function navigate(route: string): void {
  window.history.pushState(null, '', basePath() + route);
  for (const listener of listeners) listener();
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}
