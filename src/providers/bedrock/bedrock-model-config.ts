import type { Dispatcher } from 'undici';
import { encodedModelId } from '../../provider-utils/model-path.js';
import type { ImageFetchSettings } from '../../spec/provider.js';

/** An authenticated call (SigV4-signed or bearer), ready for the HTTP client. */
export interface BedrockCall {
  url: string;
  headers: Record<string, string>;
}

/** What chat and embedding models share: one way to authenticate a POST, the dispatcher, image limits. */
export interface BedrockModelConfig {
  provider: string;
  /** Resolves credentials, region and endpoint at call time and authenticates one POST of `body` to `path`. */
  prepareCall: (path: string, body: string, accept: string) => Promise<BedrockCall>;
  dispatcher?: Dispatcher;
  imageFetch?: ImageFetchSettings;
}

/** `/model/{id}/…` with the id encoded whole: ARNs and inference-profile ids contain `:` and `/`. */
export function modelPath(modelId: string, action: string, provider = 'bedrock'): string {
  return `/model/${encodedModelId(modelId, provider)}/${action}`;
}
