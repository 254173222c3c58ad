export { RpcClient, serveRpc, serializeError, reviveError, type RpcApi, type RpcArgs, type RpcResult, type RpcClientOptions, type SerializedError } from './worker-rpc.js';
