/**
 * Message content in traces, opt-in (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`): an exchange
 * observer that keeps a chat call's input messages and its answer (assembled from the stream's parts for a
 * stream) and hands them to the request's trace as `gen_ai.input.messages` / `gen_ai.output.messages`, redacted
 * with the request log's redactor and cut to its body cap. Registered only when capture is on, so a request
 * without it pays nothing.
 */
import type { ChatStreamPart } from '../../spec/chat.js';
import type { Admission, Answer, ExchangeObserver } from '../exchange/exchange-events.js';
import type { RequestTrace } from '../tracing/gateway-tracing.js';
import type { GenAiMessage, GenAiOutputMessage } from '../tracing/genai-messages.js';
import { inputMessages, outputMessages, StreamedOutput } from '../tracing/genai-messages.js';
import type { BodyRedactor } from './body-capture.js';

export class MessageCapture implements ExchangeObserver {
  #input: GenAiMessage[] | undefined;
  #output: GenAiOutputMessage[] | undefined;
  #streamed: StreamedOutput | undefined;
  readonly #redactor: BodyRedactor;

  constructor(trace: RequestTrace, redactor: BodyRedactor) {
    this.#redactor = redactor;
    trace.attachContent(() => this.attributes());
  }

  admit(admission: Admission): undefined {
    if (admission.kind !== 'chat') return undefined;
    this.#input = inputMessages(admission.request.messages, this.#redactor.maxBytes);
    if (admission.stream) this.#streamed = new StreamedOutput(this.#redactor.maxBytes);
    return undefined;
  }

  part(part: ChatStreamPart): void {
    this.#streamed?.add(part);
  }

  answer(answer: Answer): undefined {
    if (answer.kind === 'chat') this.#output = outputMessages(answer.result, this.#redactor.maxBytes);
    return undefined;
  }

  /** The span attributes, serialised and redacted once, when the answering attempt's span ends. */
  attributes(): Record<string, string> {
    const attributes: Record<string, string> = {};
    if (this.#input !== undefined) attributes['gen_ai.input.messages'] = this.#json(this.#input);
    const output = this.#output ?? this.#streamed?.messages();
    if (output !== undefined) attributes['gen_ai.output.messages'] = this.#json(output);
    return attributes;
  }

  /** Strings redacted one by one (a secret inside message text), then the JSON (secret-named argument members). */
  #json(messages: readonly unknown[]): string {
    const redactor = this.#redactor;
    return redactor.redactText(
      JSON.stringify(messages, (_key, value: unknown) =>
        typeof value === 'string' ? redactor.redactText(value) : value,
      ),
    );
  }
}
