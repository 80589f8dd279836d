import { type FormEvent, useRef, useState } from 'react';
import { api, fetchRaw, type Session } from '../api.js';
import { ErrorNotice, TableBox } from '../components/notice.js';
import { useLoad } from '../components/use-load.js';
import type { ListedModel } from '../types.js';

interface Message {
  role: 'user' | 'assistant';
  content: string;
}

/** The response headers that say how the gateway served a call. */
const SHOWN_HEADERS = [
  'x-llamagate-backend',
  'x-llamagate-attempts',
  'x-llamagate-fallbacks',
  'x-llamagate-cost',
  'x-llamagate-cost-reserved',
  'x-llamagate-credits-remaining',
  'x-llamagate-cache',
  'x-request-id',
];

/** Reads an SSE body event by event and hands each `data:` payload on (until `[DONE]`). */
async function readEvents(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      const event = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      for (const line of event.split('\n')) {
        if (line.startsWith('data:')) {
          const data = line.slice(5).trim();
          if (data !== '[DONE]') onData(data);
        }
      }
      boundary = buffer.indexOf('\n\n');
    }
  }
}

interface Chunk {
  choices?: { delta?: { content?: string | null; tool_calls?: unknown[] } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  error?: { message?: string };
}

export function PlaygroundPage(props: { session: Session }) {
  const models = useLoad(
    () => api<{ data: ListedModel[] }>(props.session, 'GET', '/v1/models').then((body) => body.data),
    [props.session],
  );
  const [model, setModel] = useState('');
  const [system, setSystem] = useState('');
  const [temperature, setTemperature] = useState('0.7');
  const [maxTokens, setMaxTokens] = useState('512');
  const [jsonMode, setJsonMode] = useState(false);
  const [stream, setStream] = useState(true);
  const [tools, setTools] = useState('');
  const [input, setInput] = useState('');
  const [messages, setMessages] = useState<Message[]>([]);
  const [reply, setReply] = useState<string>();
  const [headers, setHeaders] = useState<[string, string][]>([]);
  const [usage, setUsage] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    let parsedTools: unknown;
    try {
      parsedTools = tools.trim() === '' ? undefined : JSON.parse(tools);
    } catch (failure) {
      setError(new Error(`Tools are not valid JSON: ${(failure as Error).message}`));
      return;
    }
    const history: Message[] = [...messages, { role: 'user', content: input }];
    const body = {
      model,
      messages: [...(system.trim() === '' ? [] : [{ role: 'system', content: system }]), ...history],
      temperature: Number(temperature),
      max_tokens: Number(maxTokens),
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      ...(jsonMode ? { response_format: { type: 'json_object' } } : {}),
      ...(parsedTools === undefined ? {} : { tools: parsedTools }),
    };
    setMessages(history);
    setInput('');
    setReply('');
    setUsage(undefined);
    setBusy(true);
    abort.current = new AbortController();
    let text = '';
    try {
      const response = await fetchRaw(props.session, 'POST', '/v1/chat/completions', body, abort.current.signal);
      setHeaders(
        SHOWN_HEADERS.flatMap((name) => {
          const value = response.headers.get(name);
          return value === null ? [] : [[name, value] as [string, string]];
        }),
      );
      if (stream && response.body !== null) {
        await readEvents(response.body, (data) => {
          const chunk = JSON.parse(data) as Chunk;
          if (chunk.error !== undefined) throw new Error(chunk.error.message ?? 'stream failed');
          const delta = chunk.choices?.[0]?.delta;
          if (delta?.content) {
            text += delta.content;
            setReply(text);
          }
          if (delta?.tool_calls !== undefined) {
            text += `\n[tool call] ${JSON.stringify(delta.tool_calls)}`;
            setReply(text);
          }
          if (chunk.usage !== undefined) {
            setUsage(
              `${chunk.usage.prompt_tokens ?? '?'} prompt + ${chunk.usage.completion_tokens ?? '?'} completion tokens`,
            );
          }
        });
      } else {
        const result = (await response.json()) as {
          choices?: { message?: { content?: string | null; tool_calls?: unknown[] } }[];
          usage?: { prompt_tokens?: number; completion_tokens?: number };
        };
        const message = result.choices?.[0]?.message;
        text = message?.content ?? '';
        if (message?.tool_calls !== undefined) text += `\n[tool calls] ${JSON.stringify(message.tool_calls, null, 2)}`;
        setReply(text);
        if (result.usage !== undefined) {
          setUsage(
            `${result.usage.prompt_tokens ?? '?'} prompt + ${result.usage.completion_tokens ?? '?'} completion tokens`,
          );
        }
      }
      setMessages([...history, { role: 'assistant', content: text }]);
      setReply(undefined);
    } catch (failure) {
      setError(failure);
      if (text !== '') setMessages([...history, { role: 'assistant', content: text }]);
      setReply(undefined);
    } finally {
      setBusy(false);
      abort.current = null;
    }
  };

  return (
    <section>
      <h1>Playground</h1>
      <form className="card" onSubmit={send} aria-label="Chat">
        <div className="form-grid">
          <label>
            Model
            <input
              required
              list="playground-models"
              value={model}
              placeholder="llama3.2"
              onChange={(event) => setModel(event.target.value)}
            />
            <datalist id="playground-models">
              {(models.data ?? []).map((listed) => (
                <option key={listed.id} value={listed.id} />
              ))}
            </datalist>
          </label>
          <label>
            Temperature
            <input
              type="number"
              min={0}
              max={2}
              step={0.1}
              value={temperature}
              onChange={(event) => setTemperature(event.target.value)}
            />
          </label>
          <label>
            Max tokens
            <input
              type="number"
              min={1}
              step={1}
              value={maxTokens}
              onChange={(event) => setMaxTokens(event.target.value)}
            />
          </label>
          <label className="check">
            <input type="checkbox" checked={stream} onChange={(event) => setStream(event.target.checked)} />
            Stream
          </label>
          <label className="check">
            <input type="checkbox" checked={jsonMode} onChange={(event) => setJsonMode(event.target.checked)} />
            JSON mode
          </label>
          <label className="wide">
            System prompt
            <textarea rows={2} value={system} onChange={(event) => setSystem(event.target.value)} />
          </label>
          <label className="wide">
            Tools (JSON array in OpenAI's format, optional)
            <textarea rows={2} value={tools} spellCheck={false} onChange={(event) => setTools(event.target.value)} />
          </label>
        </div>
        <ol className="conversation" aria-label="Conversation" aria-live="polite">
          {messages.map((message, index) => (
            <li key={index} className={`message message-${message.role}`}>
              <span className="message-role">{message.role}</span>
              <div className="message-text">{message.content}</div>
            </li>
          ))}
          {reply === undefined ? null : (
            <li className="message message-assistant">
              <span className="message-role">assistant</span>
              <div className="message-text" data-testid="streaming-reply">
                {reply}
              </div>
            </li>
          )}
        </ol>
        <label>
          Message
          <textarea required rows={3} value={input} onChange={(event) => setInput(event.target.value)} />
        </label>
        <div className="button-row">
          <button type="submit" disabled={busy || model === '' || input.trim() === ''}>
            {busy ? 'Sending…' : 'Send'}
          </button>
          {busy ? (
            <button type="button" className="secondary" onClick={() => abort.current?.abort()}>
              Stop
            </button>
          ) : (
            <button type="button" className="secondary" onClick={() => setMessages([])}>
              Clear conversation
            </button>
          )}
        </div>
        <ErrorNotice error={error} />
      </form>
      {headers.length === 0 ? null : (
        <>
          <h2>Response headers</h2>
          <TableBox label="Response headers">
            <table className="headers">
              <tbody>
                {headers.map(([name, value]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td>
                      <code>{value}</code>
                    </td>
                  </tr>
                ))}
                {usage === undefined ? null : (
                  <tr>
                    <th scope="row">usage</th>
                    <td>{usage}</td>
                  </tr>
                )}
              </tbody>
            </table>
          </TableBox>
        </>
      )}
    </section>
  );
}
