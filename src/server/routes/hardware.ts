import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { detectHardware, recommendModels } from '../hardware.js';
import { sendJson } from '../http-io.js';

export async function handleHardwareRecommendations(
  _context: GatewayContext,
  _request: IncomingMessage,
  response: ServerResponse,
  _state: RequestState,
): Promise<void> {
  const hardware = await detectHardware();
  sendJson(response, 200, {
    hardware: {
      cpu_cores: hardware.cpuCores,
      cpu_model: hardware.cpuModel,
      total_ram_gb: hardware.totalRamGb,
      available_ram_gb: hardware.availableRamGb,
      gpus: hardware.gpus.map((gpu) => ({ name: gpu.name, vram_gb: gpu.vramGb })),
      platform: hardware.platform,
      arch: hardware.arch,
    },
    ...recommendModels(hardware),
  });
}
