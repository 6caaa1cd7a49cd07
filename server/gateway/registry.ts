import type { Gateway } from '../../protocol';

/**
 * The gateways this process has open, by id, so a spec can name one (`via=gw1`). A gateway leaves the
 * registry when it closes.
 */
const open = new Map<string, Gateway>();
let nextNumber = 0;

/**
 * The next gateway id of this process, `gw0`, `gw1`, … (execnet's scheme), skipping ids in use. One
 * counter serves makeGateway and the service, so an id names one gateway in a process.
 */
export function newGatewayId(inUse: (id: string) => boolean = () => false): string {
  let id: string;
  do id = `gw${nextNumber++}`;
  while (open.has(id) || inUse(id));
  return id;
}

export function registerGateway(gateway: Gateway): void {
  open.set(gateway.id, gateway);
  void gateway.closed.then(() => {
    if (open.get(gateway.id) === gateway) open.delete(gateway.id);
  });
}

export function findGateway(id: string): Gateway | undefined {
  const gateway = open.get(id);
  return gateway && gateway.state === 'open' ? gateway : undefined;
}

export function openGatewayIds(): string[] {
  return Array.from(open.values())
    .filter((g) => g.state === 'open')
    .map((g) => g.id);
}
