/**
 * The MCP client SDK, imported when the first server connects rather than when the gateway starts: most
 * gateways run with MCP off, and the SDK with its transports is a large module graph (decision
 * lazy-provider-adapters.md, "MCP on first connection").
 */
type ClientModule = typeof import('@modelcontextprotocol/client');
type StdioModule = typeof import('@modelcontextprotocol/client/stdio');

export interface ClientSdk {
  Client: ClientModule['Client'];
  SSEClientTransport: ClientModule['SSEClientTransport'];
  StreamableHTTPClientTransport: ClientModule['StreamableHTTPClientTransport'];
  SdkError: ClientModule['SdkError'];
  SdkErrorCode: ClientModule['SdkErrorCode'];
  StdioClientTransport: StdioModule['StdioClientTransport'];
  getDefaultEnvironment: StdioModule['getDefaultEnvironment'];
}

let loading: Promise<ClientSdk> | undefined;
let loaded: ClientSdk | undefined;

export function loadClientSdk(): Promise<ClientSdk> {
  loading ??= Promise.all([import('@modelcontextprotocol/client'), import('@modelcontextprotocol/client/stdio')]).then(
    ([client, stdio]) => {
      loaded = {
        Client: client.Client,
        SSEClientTransport: client.SSEClientTransport,
        StreamableHTTPClientTransport: client.StreamableHTTPClientTransport,
        SdkError: client.SdkError,
        SdkErrorCode: client.SdkErrorCode,
        StdioClientTransport: stdio.StdioClientTransport,
        getDefaultEnvironment: stdio.getDefaultEnvironment,
      };
      return loaded;
    },
  );
  return loading;
}

/** Whether an error is the SDK's request timeout (false before the SDK was ever loaded: nothing could time out). */
export function isRequestTimeout(error: unknown): boolean {
  return loaded !== undefined && error instanceof loaded.SdkError && error.code === loaded.SdkErrorCode.RequestTimeout;
}
