// The protocol layer's public surface: framing, codec, messages, and the host side over any byte stream.
export { Channel } from './channel';
export { dedent, dedentLines } from './dedent';
export { Complex, FrozenSet, Tuple, ValueCodec, type ObjectRef, type ValueContext } from './codec';
export { ChannelClosedError, EncodeError, GatewayClosedError, ProtocolError, RemoteError, TimeoutError } from './errors';
export { DEFAULT_MAX_FRAME, FrameDecoder, frameHeader } from './frames';
export { Gateway, type GatewayExit, type GatewayOptions, type InputHandler, type InputRequest, type RemoteExecOptions } from './gateway';
export {
  MESSAGES,
  MessageType,
  OBJECT_STEPS,
  MIN_PROTOCOL_VERSION,
  negotiateVersion,
  PROTOCOL_VERSION,
  type AgentInfo,
  type ChildKey,
  type ChildrenOptions,
  type Direction,
  type DisplayMessage,
  type GatewayCounters,
  type GatewayState,
  type LogRecord,
  type Message,
  type ObjectStep,
  type ObjectStepName,
  type RemoteStatus,
  type ReturnType,
  type TableFilter,
  type TableOptions,
} from './messages';
export {
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
  type ObjectInspection,
} from './proxy';
export type { Transport, TransportExit } from './transport';
export { DEFAULT_WINDOW, type WindowSize } from './window';
