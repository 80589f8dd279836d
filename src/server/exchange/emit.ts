/** Emitting exchange events to a request's observers (see `exchange-events.ts`) and its observation. */
import type { ChatStreamPart, Usage } from '../../spec/chat.js';
import type { LlamaGateError } from '../../spec/errors.js';
import type { RequestState } from '../gateway-context.js';
import type { Admission, Answer, AttemptRecord, ExchangeObserver } from './exchange-events.js';

/**
 * Asks every observer to admit the call, in order; the first refusal (a thrown error) ends the request. Returns
 * undefined when nobody listens, so the caller awaits only when there is something to wait for.
 */
export function emitAdmit(state: RequestState, admission: Admission): Promise<void> | undefined {
  return inTurn(state.observers, 0, (observer) => observer.admit?.(admission));
}

/** Tells observers the answer is complete, before it is sent; undefined when nobody waits on it. */
export function emitAnswer(state: RequestState, answer: Answer): Promise<void> | undefined {
  return inTurn(state.observers, 0, (observer) => observer.answer?.(answer));
}

/**
 * Calls each observer from `from` on, in order, waiting for one that returns a promise before calling the
 * next; undefined (nothing to await) while none does.
 */
function inTurn(
  observers: readonly ExchangeObserver[] | undefined,
  from: number,
  call: (observer: ExchangeObserver) => Promise<void> | undefined,
): Promise<void> | undefined {
  if (observers === undefined) return undefined;
  for (let index = from; index < observers.length; index++) {
    const pending = call(observers[index] as ExchangeObserver);
    if (pending !== undefined) return pending.then(() => inTurn(observers, index + 1, call));
  }
  return undefined;
}

/** Whether any observer of the request listens to upstream attempts (the router then reports them). */
export function observesAttempts(state: RequestState): boolean {
  return (
    state.observers?.some((observer) => observer.attemptStart !== undefined || observer.attemptEnd !== undefined) ===
    true
  );
}

/** Records the usage for the request line and tells observers. */
export function emitUsage(state: RequestState, usage: Usage): void {
  state.usage = usage;
  const observers = state.observers;
  if (observers !== undefined) for (const observer of observers) observer.usage?.(usage);
}

export function emitPart(state: RequestState, part: ChatStreamPart): void {
  const observers = state.observers;
  if (observers !== undefined) for (const observer of observers) observer.part?.(part);
}

/** Records the time to the first chunk for the request line and tells observers. */
export function emitFirstChunk(state: RequestState): void {
  const ms = performance.now() - state.startedAt;
  state.timeToFirstChunkMs = ms;
  state.observation?.firstChunk();
  const observers = state.observers;
  if (observers !== undefined) for (const observer of observers) observer.firstChunk?.(ms);
}

export function emitError(state: RequestState, error: LlamaGateError): void {
  state.observation?.failed(error);
  const observers = state.observers;
  if (observers !== undefined) for (const observer of observers) observer.error?.(error);
}

export function emitAttemptStart(state: RequestState, backend: string, model: string): void {
  const observers = state.observers;
  if (observers !== undefined) for (const observer of observers) observer.attemptStart?.(backend, model);
}

export function emitAttemptEnd(state: RequestState, attempt: AttemptRecord): void {
  const observers = state.observers;
  if (observers !== undefined) for (const observer of observers) observer.attemptEnd?.(attempt);
}

export function emitRequestStart(state: RequestState): void {
  const observers = state.observers;
  if (observers !== undefined) for (const observer of observers) observer.requestStart?.();
}

export function emitRequestEnd(state: RequestState, status: number): void {
  const observers = state.observers;
  if (observers !== undefined) for (const observer of observers) observer.requestEnd?.(status);
}
