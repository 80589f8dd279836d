import { describe, expect, it } from 'vitest';
import type { Route } from './route.js';
import { compileRoutes } from './route-table.js';

const handler = async () => {};
const route = (method: Route['method'], path: string): Route => ({ method, path, auth: 'key', handler });

describe('compileRoutes', () => {
  const chat = route('POST', '/v1/chat/completions');
  const list = route('GET', '/v1/models');
  const one = route('GET', '/v1/models/*');
  const remove = route('DELETE', '/v1/models/*');
  const special = route('GET', '/v1/models/special');
  const match = compileRoutes([chat, list, one, remove, special]);

  it('matches an exact path and method, ignoring a trailing slash', () => {
    expect(match('POST', '/v1/chat/completions')).toEqual({ route: chat, allowed: [] });
    expect(match('POST', '/v1/chat/completions/').route).toBe(chat);
    expect(match('GET', '/v1/models').route).toBe(list);
  });

  it('answers HEAD with the GET route', () => {
    expect(match('HEAD', '/v1/models').route).toBe(list);
  });

  it('matches a prefix only with something after it, and prefers an exact path', () => {
    expect(match('GET', '/v1/models/gpt-4o').route).toBe(one);
    expect(match('DELETE', '/v1/models/gpt-4o').route).toBe(remove);
    expect(match('GET', '/v1/models/special').route).toBe(special);
    // The exact path wins, so its methods are the only ones allowed there.
    expect(match('DELETE', '/v1/models/special')).toEqual({ route: undefined, allowed: ['GET'] });
  });

  it('lists the methods a known path accepts, once each, and none for an unknown path', () => {
    expect(match('GET', '/v1/chat/completions')).toEqual({ route: undefined, allowed: ['POST'] });
    expect(match('PUT', '/v1/models/x')).toEqual({ route: undefined, allowed: ['GET', 'DELETE'] });
    expect(match('GET', '/nowhere')).toEqual({ route: undefined, allowed: [] });
  });

  it('takes the first route listed for the same path and method (extra routes come before the core ones)', () => {
    const override = route('POST', '/v1/chat/completions');
    expect(compileRoutes([override, chat])('POST', '/v1/chat/completions').route).toBe(override);
  });
});
