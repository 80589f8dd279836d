/**
 * OpenTelemetry tracing, off by default and free when off: nothing of OpenTelemetry is loaded unless
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, and then only through
 * dynamic imports. Spans follow the GenAI semantic conventions: a server span per request, a client span
 * per upstream attempt named `{gen_ai.operation.name} {gen_ai.request.model}`, `execute_tool {name}` per
 * MCP tool call. Incoming `traceparent`/`tracestate` are honoured and each attempt sends its own upstream.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { AttemptStart } from '../../router/router.js';
import type { LlamaGateError } from '../../spec/errors.js';
import { VERSION } from '../../version.js';

/** What a finished call adds to its successful attempt's span. */
export interface GenAiResponse {
  responseModel?: string | undefined;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  finishReasons?: readonly string[] | undefined;
}

/** An upstream attempt's open client span. */
export interface AttemptSpan {
  /** The span's trace context, to send with the attempt's upstream call. */
  readonly headers: Record<string, string>;
  end(endedAt: number, error: LlamaGateError | undefined, errorType: string | undefined): void;
}

export interface RequestTrace {
  /** Opens the client span of an upstream attempt. */
  startAttempt(start: AttemptStart, operation: string): AttemptSpan;
  /** For the MCP tool loop: an `execute_tool {name}` span; call the result when the tool returns. */
  startTool(
    name: string,
    attributes?: Record<string, string | number>,
  ): (error?: { type: string; message?: string }) => void;
  /** `traceparent`/`tracestate` of this request's span, for MCP `_meta` and other outbound calls. */
  carrier(): Record<string, string>;
  /** Message content (opt-in): its attributes are read once, when the answering attempt's span ends. */
  attachContent(attributes: () => Record<string, string>): void;
  /** Ends the attempt span still open (the one that answered) and the server span. */
  end(facts: {
    status: number;
    route: string;
    stream: boolean;
    errorType: string | undefined;
    requestModel: string | undefined;
    response: GenAiResponse | undefined;
  }): void;
}

export interface GatewayTracing {
  /** `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`: spans carry the messages (redacted). */
  readonly captureMessageContent: boolean;
  startRequest(headers: IncomingHttpHeaders, method: string, path: string): RequestTrace;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** gen_ai.provider.name for the gateway's backend types (the semantic conventions' well-known values). */
const PROVIDER_NAMES: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  bedrock: 'aws.bedrock',
  azure: 'azure.ai.openai',
  cohere: 'cohere',
  gemini: 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  mistral: 'mistral_ai',
  groq: 'groq',
  deepseek: 'deepseek',
  xai: 'x_ai',
  perplexity: 'perplexity',
};

type Env = Readonly<Record<string, string | undefined>>;

export function tracingEnabled(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.toLowerCase() === 'none')
    return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The tracer when `OTEL_*` asks for one, else undefined (and no OpenTelemetry module is loaded). */
export async function startTracing(env: Env): Promise<GatewayTracing | undefined> {
  if (!tracingEnabled(env)) return undefined;
  const [api, core, sdk, exporterModule, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${base}/v1/traces`;
  const exporter = new exporterModule.OTLPTraceExporter({ url });
  const provider: BasicTracerProvider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME || 'llamagate',
      'service.version': VERSION,
    }),
    spanProcessors: [
      new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: Number(env.OTEL_BSP_SCHEDULE_DELAY) || 1000 }),
    ],
  });
  const tracer: Tracer = provider.getTracer('llamagate', VERSION);
  const propagator = new core.W3CTraceContextPropagator();
  const { SpanKind, SpanStatusCode, ROOT_CONTEXT, trace, defaultTextMapGetter, defaultTextMapSetter } = api;
  const toTime = (performanceMs: number) => performance.timeOrigin + performanceMs;

  return {
    captureMessageContent: env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.toLowerCase() === 'true',
    startRequest(headers, method, path) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const server = tracer.startSpan(
        `${method} ${path}`,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': method, 'url.path': path },
        },
        parent,
      );
      const serverContext: Context = trace.setSpan(parent, server);
      let answered: { span: Span; endedAt: number } | undefined;
      let content: (() => Record<string, string>) | undefined;
      return {
        startAttempt(start, operation) {
          const span = tracer.startSpan(
            `${operation} ${start.model}`,
            {
              kind: SpanKind.CLIENT,
              startTime: toTime(start.startedAt),
              attributes: {
                'gen_ai.operation.name': operation,
                'gen_ai.provider.name': PROVIDER_NAMES[start.provider] ?? start.provider,
                'gen_ai.request.model': start.model,
                'llamagate.backend': start.backend,
              },
            },
            serverContext,
          );
          const headers: Record<string, string> = {};
          propagator.inject(trace.setSpan(serverContext, span), headers, defaultTextMapSetter);
          return {
            headers,
            end(endedAt, error, errorType) {
              if (error === undefined) {
                // The answering attempt stays open until the response is done: its usage and finish come last.
                answered = { span, endedAt: toTime(endedAt) };
                return;
              }
              span.setAttribute('error.type', errorType ?? error.code);
              if (error.upstream?.status !== undefined) {
                span.setAttribute('http.response.status_code', error.upstream.status);
              }
              span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
              span.end(toTime(endedAt));
            },
          };
        },
        startTool(name, attributes = {}) {
          const span = tracer.startSpan(
            `execute_tool ${name}`,
            {
              kind: SpanKind.INTERNAL,
              attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, ...attributes },
            },
            serverContext,
          );
          return (error) => {
            if (error !== undefined) {
              span.setAttribute('error.type', error.type);
              span.setStatus({
                code: SpanStatusCode.ERROR,
                ...(error.message === undefined ? {} : { message: error.message }),
              });
            }
            span.end();
          };
        },
        attachContent(attributes) {
          content = attributes;
        },
        carrier() {
          const carrier: Record<string, string> = {};
          propagator.inject(serverContext, carrier, defaultTextMapSetter);
          return carrier;
        },
        end(facts) {
          if (answered !== undefined) {
            const { span } = answered;
            const response = facts.response;
            if (response?.responseModel !== undefined)
              span.setAttribute('gen_ai.response.model', response.responseModel);
            if (response?.inputTokens !== undefined)
              span.setAttribute('gen_ai.usage.input_tokens', response.inputTokens);
            if (response?.outputTokens !== undefined)
              span.setAttribute('gen_ai.usage.output_tokens', response.outputTokens);
            if (response?.finishReasons !== undefined && response.finishReasons.length > 0) {
              span.setAttribute('gen_ai.response.finish_reasons', [...response.finishReasons]);
            }
            if (content !== undefined) span.setAttributes(content());
            if (facts.errorType !== undefined) {
              span.setAttribute('error.type', facts.errorType);
              span.setStatus({ code: SpanStatusCode.ERROR });
            }
            // A stream's attempt lasts until its last chunk; a plain answer's ended when it arrived.
            span.end(facts.stream ? undefined : answered.endedAt);
          }
          server.setAttribute('http.route', facts.route);
          server.setAttribute('http.response.status_code', facts.status);
          if (facts.requestModel !== undefined) server.setAttribute('gen_ai.request.model', facts.requestModel);
          if (facts.errorType !== undefined) {
            server.setAttribute('error.type', facts.errorType);
            if (facts.status >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
          }
          server.end();
        },
      };
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}
