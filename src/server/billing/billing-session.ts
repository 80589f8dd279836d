/**
 * One request's billing, from admission to the ledger row:
 * admit (model access → rpm/tpm/parallel limits → credit reservation, all before any upstream call) →
 * charge (non-streaming: price the actual cost and put it in the response headers) →
 * finish (always, after the handler: settle the hold for what was generated, or release an unused one;
 * free the parallel slot; correct the tpm count; queue the usage record).
 */
import type { ServerResponse } from 'node:http';
import { isModelAllowed } from '../../pricing/glob.js';
import type { Micros } from '../../pricing/money.js';
import type { ChatRequest, ChatResult, ChatStreamPart, Usage } from '../../spec/chat.js';
import type { ToolCallCharges } from '../../spec/chat-call.js';
import { PermissionDeniedError, RateLimitError } from '../../spec/errors.js';
import type { SlotLease } from '../../storage/counter-store.js';
import type { CreditCharge, CreditSettlement } from '../../storage/credit-accounts.js';
import { reserveFailureError } from '../../storage/key-rules.js';
import type { ApiKeyRecord, Reservation } from '../../storage/key-store.js';
import type { UsageRecord } from '../../storage/usage-ledger.js';
import type { Admission, Answer, ExchangeObserver } from '../exchange/exchange-events.js';
import type { CallerRole, GatewayContext, RequestState } from '../gateway-context.js';
import { addResponseHeaders } from '../http-io.js';
import {
  type BillingServices,
  COST_HEADER,
  COST_RESERVED_HEADER,
  CREDITS_REMAINING_HEADER,
  headerDollars,
  type MeteredUsage,
  storageUnavailable,
} from './billing-services.js';
import { type AdmissionPrice, admissionPrice, priceTableFor, refusesUnpriced, servedPriceKey } from './price-lookup.js';
import {
  chatPromptShape,
  embeddingPromptShape,
  generatedText,
  meteredUsage,
  type PromptShape,
  promptTokenBound,
} from './token-estimate.js';

export class BillingSession implements ExchangeObserver {
  readonly role: CallerRole;
  /** The virtual key (undefined for unbilled callers). */
  readonly key: ApiKeyRecord | undefined;
  readonly #services: BillingServices;
  readonly #context: GatewayContext;
  readonly #state: RequestState;
  readonly #response: ServerResponse;
  readonly #startedAtEpoch: number;
  /** The usage the upstream reported, as the exchange's `usage` event told it. */
  #usage: Usage | undefined;
  #model: string | undefined;
  /** How the request was priced at admission (the served target, once known, prices the charge). */
  #price: AdmissionPrice | undefined;
  /** The credit held; one request is charged at most this plus `billing.maxOverdraft` of it. */
  #hold = 0;
  /** The output tokens the client allowed (`max_tokens` × `n`), when it set a bound. */
  #allowedOutput: number | undefined;
  /** What the reported usage would have cost, when the charge was capped below it. */
  #reportedCost: Micros | undefined;
  #shape: PromptShape | undefined;
  #chat = false;
  #reservation: Reservation | undefined;
  #lease: SlotLease | undefined;
  #countedTokens = 0;
  #generated: string[] = [];
  #metered: { usage: MeteredUsage; cost: Micros } | undefined;
  /** What this request's MCP tool calls were charged. */
  #toolCost: Micros = 0;
  /** Deferred charges (token and tool) that go to the ledger with this request's usage record. */
  #charges: CreditCharge[] = [];
  #finished = false;
  /** The answer's cost went out in its headers; the hold is settled after it is written. */
  #settleAfterAnswer = false;
  /** The usage record was handed to the writer (a later deferred charge could no longer ride on it). */
  #recorded = false;

  constructor(
    services: BillingServices,
    context: GatewayContext,
    state: RequestState,
    response: ServerResponse,
    role: CallerRole,
    key?: ApiKeyRecord,
  ) {
    this.#services = services;
    this.#context = context;
    this.#state = state;
    this.#response = response;
    this.role = role;
    this.key = key;
    this.#startedAtEpoch = Math.round(Date.now() - (performance.now() - state.startedAt));
  }

  /** The priced usage once settled (after `charge`, or `finish` for streams). */
  get metered(): { usage: MeteredUsage; cost: Micros } | undefined {
    return this.#metered;
  }

  /** Exchange event: admission of a call; throws 403/429/402 before any upstream call. */
  admit(admission: Admission): Promise<void> {
    return admission.kind === 'chat'
      ? this.admitChat(this.#response, admission.model, admission.request, admission.stream)
      : this.admitEmbedding(this.#response, admission.model, admission.input);
  }

  /** Exchange event: a stream part (its text is counted only if the provider reports no usage). */
  part(part: ChatStreamPart): void {
    this.observe(part);
  }

  /** Exchange event: the usage the upstream reported. */
  usage(usage: Usage): void {
    this.#usage = usage;
  }

  /** Exchange event: the answer is complete and not sent yet, so its cost can go in the headers. */
  answer(answer: Answer): Promise<void> {
    return this.charge(this.#response, answer.kind === 'chat' ? answer.result : undefined);
  }

  /** Admission of a chat completion; throws 403/429/402 before any upstream call. */
  admitChat(response: ServerResponse, model: string, request: ChatRequest, stream: boolean): Promise<void> {
    this.#chat = true;
    const maxOutput =
      (request.maxTokens ?? this.#context.config.billing.defaultMaxTokens) * Math.max(1, request.n ?? 1);
    if (request.maxTokens !== undefined) this.#allowedOutput = maxOutput;
    return this.#admit(response, model, chatPromptShape(request), maxOutput, stream);
  }

  admitEmbedding(response: ServerResponse, model: string, input: readonly string[]): Promise<void> {
    return this.#admit(response, model, embeddingPromptShape(input), 0, false);
  }

  /** Collects a stream's generated text, counted only if the provider reports no usage. */
  observe(part: ChatStreamPart): void {
    const text = generatedText(part);
    if (text !== undefined) this.#generated.push(text);
  }

  /**
   * Non-streaming responses: prices the usage (as reported, estimated from `result` where missing) and sets
   * `x-llamagate-cost` / `x-llamagate-credits-remaining`. When the credit accounts know the key's balance in
   * this process (SQLite, Redis), the hold is settled after the answer is written (decision 0022); otherwise
   * (the key store's own statements) here, so the header shows the stored balance. Never throws: a storage
   * failure is logged and the hold expires unsettled rather than failing an answered request.
   */
  async charge(response: ServerResponse, result?: ChatResult): Promise<void> {
    if (this.#metered !== undefined || this.#model === undefined) return;
    if (result !== undefined) {
      for (const choice of result.choices) {
        const { content, reasoningContent, toolCalls, refusal } = choice.message;
        for (const text of [content, reasoningContent, refusal])
          if (typeof text === 'string') this.#generated.push(text);
        for (const call of toolCalls ?? []) this.#generated.push(call.function.name, call.function.arguments);
      }
    }
    try {
      const cost = await this.#meterCost();
      let balance: Micros | undefined;
      const reservation = this.#reservation;
      const known = reservation === undefined ? undefined : this.#services.credits.balance(reservation.keyId);
      if (known !== undefined) {
        // The accounts know the balance here, so the hold is settled once the answer is written (`finish`).
        balance = known - cost;
        this.#settleAfterAnswer = true;
      } else if (reservation !== undefined) balance = await this.#settleHold(reservation, cost);
      if (!response.headersSent) {
        // Everything this request charged: its tokens and its priced tool calls.
        addResponseHeaders(response, COST_HEADER, headerDollars(cost + this.#toolCost));
        if (balance !== undefined) addResponseHeaders(response, CREDITS_REMAINING_HEADER, headerDollars(balance));
      }
    } catch (error) {
      this.#services.logger.error({ requestId: this.#state.id, err: error }, 'settling a request failed');
    }
  }

  /**
   * Charges priced MCP tool calls to the virtual key like tokens: a hold of the price before the call runs
   * (402 when the key cannot pay it), settled for the price when the call succeeded, released otherwise.
   */
  toolCharges(): ToolCallCharges | undefined {
    const key = this.key;
    if (key === undefined) return undefined;
    const { credits, logger, leases } = this.#services;
    return {
      hold: async (label, amount) => {
        // A short lease renewed while the call runs, like the request's own hold: a crash frees it within seconds.
        const held = await credits
          .reserve(key.id, amount, { requestId: this.#state.id, ttlMs: leases.ttlMs })
          .catch((error: unknown) => {
            throw storageUnavailable(error);
          });
        if (!held.ok) throw reserveFailureError(held.reason, key.id);
        const reservation = held.reservation.id;
        if (credits.leased) leases.holdReservation(reservation);
        return {
          settle: async (charge) => {
            leases.dropReservation(reservation);
            try {
              if (charge <= 0) {
                await credits.release(reservation);
                return;
              }
              const settled = await credits.settle(reservation, charge, { reason: label });
              this.#toolCost += settled.charged;
              this.#noteSettlement(settled);
            } catch (error) {
              logger.error({ requestId: this.#state.id, err: error }, 'settling a tool call failed');
            }
          },
        };
      },
    };
  }

  /** Whether `finish` ran. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Runs once after the handler, whatever happened; never throws. */
  async finish(response: ServerResponse): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    const { counters, credits, usageWriter, logger, leases } = this.#services;
    const failed = (error: unknown) =>
      logger.error({ requestId: this.#state.id, err: error }, 'settling a request failed');
    /** An answered request's settlement, awaited only before its record: the bookkeeping below goes out beside it. */
    let settling: Promise<unknown> | undefined;
    try {
      const reservation = this.#reservation;
      if (this.#metered === undefined && this.#model !== undefined) {
        if (this.#producedOutput()) await this.#settle();
        else if (reservation !== undefined) await credits.release(reservation.id);
      } else if (this.#settleAfterAnswer && this.#metered !== undefined && reservation !== undefined)
        settling = this.#settleHold(reservation, this.#metered.cost).catch(failed);
    } catch (error) {
      failed(error);
    }
    if (this.#reservation !== undefined) leases.dropReservation(this.#reservation.id);
    if (this.#lease !== undefined) {
      leases.dropSlot(this.#lease);
      await counters.releaseSlot(this.#lease).catch(() => {});
    }
    const key = this.key;
    if (key?.tpm != null && this.#countedTokens > 0) {
      const used =
        this.#metered === undefined
          ? 0
          : this.#metered.usage.promptTokens + (this.#metered.usage.completionTokens ?? 0);
      if (used !== this.#countedTokens) await counters.addTokens(key.id, used - this.#countedTokens).catch(() => {});
    }
    await settling;
    // A model request refused before its model was read (bad JSON, invalid messages) is still one row, model ''.
    if (this.#model === undefined && this.#state.modelRoute !== true) return;
    try {
      this.#recorded = true;
      usageWriter.write(this.#record(response));
    } catch (error) {
      logger.error({ requestId: this.#state.id, err: error }, 'usage record rejected');
    }
  }

  async #admit(
    response: ServerResponse,
    model: string,
    shape: PromptShape,
    maxOutputTokens: number,
    stream: boolean,
  ): Promise<void> {
    this.#model = model;
    this.#shape = shape;
    const key = this.key;
    if (key === undefined) return;
    if (!isModelAllowed(key.models, model)) {
      throw new PermissionDeniedError({
        code: 'model_not_allowed',
        message: `API key ${key.id} is not allowed to use the model ${model}`,
        param: 'model',
      });
    }
    const bound = promptTokenBound(shape);
    const priced = admissionPrice(this.#context, model, this.#state.path, { promptTokens: bound, maxOutputTokens });
    const maximum = priced.maximum;
    this.#price = priced;
    const rule = this.#context.config.billing.unpricedModels;
    if (priced.unpriced.some((backendType) => refusesUnpriced(rule, backendType))) {
      throw new PermissionDeniedError({
        code: 'model_not_allowed',
        message: `The model ${model} has no price on this gateway, so virtual keys cannot use it (billing.unpricedModels)`,
        param: 'model',
      });
    }
    const { counters, credits } = this.#services;
    if (key.rpm !== null || key.tpm !== null) {
      const decision = await counters.consume(key.id, { rpm: key.rpm, tpm: key.tpm, tokens: bound });
      if (!decision.allowed) {
        const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        throw new RateLimitError({
          message: `API key ${key.id} exceeded its ${decision.limit === 'rpm' ? `${key.rpm} requests` : `${key.tpm} tokens`} per minute; retry after ${seconds}s`,
          retryAfter: seconds,
          isRetryable: true,
        });
      }
      this.#countedTokens = bound;
    }
    const leases = this.#services.leases;
    if (key.maxParallel !== null) {
      this.#lease = (await counters.acquireSlot(key.id, key.maxParallel, { ttlMs: leases.ttlMs })) ?? undefined;
      if (this.#lease !== undefined) leases.holdSlot(this.#lease);
      else {
        throw new RateLimitError({
          message: `API key ${key.id} already has ${key.maxParallel} requests in flight; retry when one finishes`,
          retryAfter: 1,
          isRetryable: true,
        });
      }
    }
    // A key with nothing left is refused even for a model that costs nothing: the hold is at least 1 µ$.
    const amount = key.unlimitedCredits ? maximum.cost : Math.max(maximum.cost, 1);
    // A short hold renewed while the request lives (however long a stream runs); a crashed process's expires.
    const held = await credits
      .reserve(key.id, amount, { requestId: this.#state.id, ttlMs: leases.ttlMs })
      .catch((error: unknown) => {
        throw storageUnavailable(error);
      });
    if (!held.ok) throw reserveFailureError(held.reason, key.id);
    this.#reservation = held.reservation;
    if (credits.leased) leases.holdReservation(held.reservation.id);
    this.#hold = amount;
    if (stream) {
      // A stream's headers leave before its cost is known: they carry the hold and what is left beyond it.
      const remaining = (credits.balance(key.id) ?? (this.#services.cache.latest(key.id) ?? key).balance) - amount;
      addResponseHeaders(
        response,
        COST_RESERVED_HEADER,
        headerDollars(amount),
        CREDITS_REMAINING_HEADER,
        headerDollars(remaining),
      );
    }
  }

  #producedOutput(): boolean {
    const usage = this.#usage;
    return (
      this.#generated.length > 0 ||
      (usage !== undefined && (usage.promptTokens !== undefined || usage.completionTokens !== undefined))
    );
  }

  /** Prices the usage and settles the hold (streams, and answers that had no cost headers yet). */
  async #settle(): Promise<void> {
    const cost = await this.#meterCost();
    if (this.#reservation !== undefined) await this.#settleHold(this.#reservation, cost);
  }

  /**
   * Prices the usage by the model served (an alias's own price wins), at most the hold plus the allowed
   * overdraft, and keeps it as this request's metered usage.
   */
  async #meterCost(): Promise<Micros> {
    const usage = await meteredUsage(this.#usage, this.#shape, this.#chat ? this.#generated : undefined);
    const model = this.#model ?? '';
    const table = priceTableFor(this.#context.config);
    const reported = table.cost(this.#settledPriceKey(table) ?? model, usage, {
      cacheHit: this.#state.cache === 'HIT',
    }).cost;
    let cost = reported;
    if (this.#reservation !== undefined) {
      const cap = this.#hold + Math.floor((this.#hold * this.#context.config.billing.maxOverdraft) / 100);
      if (reported > cap) {
        cost = cap;
        this.#reportedCost = reported;
      }
    }
    const completion = this.#usage?.completionTokens;
    const beyondMaxTokens =
      this.#allowedOutput !== undefined && completion !== undefined && completion > this.#allowedOutput;
    if (this.#reportedCost !== undefined || beyondMaxTokens) this.#flagUsage(usage, cost, reported);
    this.#metered = { usage, cost };
    this.#state.metered = this.#metered;
    return cost;
  }

  /** Charges `cost` against the hold; returns the balance after, when the accounts report it. */
  async #settleHold(reservation: Reservation, cost: Micros): Promise<Micros | undefined> {
    this.#settleAfterAnswer = false;
    const settled = await this.#services.credits.settle(reservation.id, cost, { reason: this.#model ?? '' });
    if (!settled.settled) {
      this.#services.logger.warn(
        { requestId: this.#state.id, keyId: this.key?.id, cost },
        'credit hold was gone before settling (expired or released); the request was not charged',
      );
    }
    this.#noteSettlement(settled);
    return settled.balance;
  }

  /** A deferred charge joins this request's usage record; an immediate one updates the cached balance. */
  #noteSettlement(settled: CreditSettlement): void {
    if (settled.charge !== undefined) {
      if (this.#recorded) {
        this.#services.logger.error(
          { requestId: this.#state.id, keyId: settled.charge.keyId, cost: settled.charge.amount },
          'a charge settled after its request was recorded was not written',
        );
      } else this.#charges.push(settled.charge);
    } else if (settled.balance !== undefined && this.key !== undefined && !this.#services.credits.deferred) {
      this.#services.cache.noteBalance(this.key.id, settled.balance);
    }
  }

  /** The served backend and model's price key (after retries and fallbacks); the admission's key before routing. */
  #settledPriceKey(table: ReturnType<typeof priceTableFor>): string | undefined {
    const price = this.#price;
    if (price?.groupKey !== undefined) return price.groupKey;
    const name = this.#state.backend;
    const node = name === undefined ? undefined : this.#context.router.backendNode(name);
    if (node !== undefined) {
      const served = servedPriceKey(table, { backend: node.backend, modelId: this.#state.upstreamModel });
      if (served !== undefined && (table.lookup(served) !== undefined || price === undefined)) return served;
    }
    return price?.key;
  }

  /** The upstream reported more than the request allowed: a warning with the numbers, and a flag on the backend. */
  #flagUsage(usage: MeteredUsage, charged: Micros, reported: Micros): void {
    const state = this.#state;
    const facts = {
      requestId: state.id,
      model: this.#model ?? '',
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      allowedCompletionTokens: this.#allowedOutput,
    };
    const capped = charged < reported;
    this.#services.logger.warn(
      {
        ...facts,
        backend: state.backend,
        keyId: this.key?.id,
        hold: this.#hold,
        charged,
        reportedCost: reported,
        capped,
      },
      'upstream reported more usage than the request allowed; backend flagged',
    );
    if (state.backend !== undefined) this.#context.router.backendNode(state.backend)?.stats.recordUsageAnomaly(facts);
  }

  #record(response: ServerResponse): UsageRecord {
    const state = this.#state;
    const usage = this.#metered?.usage;
    const round = (value: number | undefined) => (value === undefined ? undefined : Math.round(value));
    return {
      time: this.#startedAtEpoch,
      requestId: state.id,
      clientRequestId: state.clientRequestId,
      keyId: this.key?.id ?? null,
      model: this.#model ?? '',
      backend: state.backend ?? '',
      promptTokens: usage?.promptTokens,
      completionTokens: usage?.completionTokens,
      cachedTokens: usage?.cachedTokens,
      reasoningTokens: usage?.reasoningTokens,
      cost: this.#metered?.cost ?? 0,
      reportedCost: this.#reportedCost,
      latencyMs: round(performance.now() - state.startedAt),
      ttftMs: round(state.timeToFirstChunkMs),
      status: response.writableFinished ? response.statusCode : 499,
      errorCode: state.errorCode,
      cacheHit: state.cache === 'HIT',
      estimated: usage?.estimated ?? false,
      credits: this.#charges.length === 0 ? undefined : this.#charges,
    };
  }
}
