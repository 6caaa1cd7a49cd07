// The public Node API (`dist/api.js`): execnet's names in camelCase, saranwrap's helpers beside them.
export { makeGateway, type MakeGatewayOptions } from './gateway/makeGateway';
export { parseXSpec, XSpecError, type XSpec } from './gateway/xspec';
export { Group, expandGroupSpecs, type GroupOptions } from './multi/group';
export { MultiChannel, ReceiveQueue } from './multi/multiChannel';
export {
  RSync,
  type RSyncFileEvent,
  type RSyncOptions,
  type RSyncTargetOptions,
  type RSyncStats,
  type RSyncTargetStats,
  type RSyncResult,
} from './rsync/rsync';
export {
  AgentStartError,
  AuthenticationError,
  GatewayStartError,
  HostKeyError,
  HostUnreachableError,
  InterpreterNotFoundError,
} from './transports/startErrors';
export { startSocketServer, type SocketServer, type SocketServerOptions } from './socket/socketServer';
export {
  Channel,
  ChannelClosedError,
  Complex,
  EncodeError,
  FrozenSet,
  Gateway,
  GatewayClosedError,
  ProtocolError,
  RemoteError,
  TimeoutError,
  Tuple,
  del,
  delattr,
  delitem,
  eq,
  getattr,
  getitem,
  inspect,
  isProxy,
  kw,
  Kw,
  repr,
  resolve,
  setattr,
  setitem,
  type AgentInfo,
  type GatewayExit,
  type LogRecord,
  type ObjectInspection,
  type RemoteStatus,
  type ReturnType,
} from '../protocol';
export { resizeRepl } from './transports/repl';
