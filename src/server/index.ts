export { type LoadConfigOptions, type LoadedConfig, loadConfig } from '../config/load-config.js';
export { openGatewayBilling } from './billing/open-billing.js';
export { buildGatewayContext, createGatewayLogger } from './create-gateway.js';
export type { GatewayContext, RequestState } from './gateway-context.js';
export { createGatewayServer, type GatewayServer, type GatewayServerOptions } from './gateway-server.js';
export { createLogger, type Logger } from './logger.js';
export type { Route, RouteAuth, RouteHandler } from './route.js';
export { CORE_ROUTES } from './route-table.js';
export { type RunningGateway, type StartGatewayOptions, startGateway } from './start-gateway.js';
