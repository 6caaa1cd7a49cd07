import type { Gateway } from '../../protocol';

/**
 * The gateways this process has open, by id, so a spec can name one (`via=gw1`). A gateway leaves the
 * registry when it closes.
 */
const open = new Map<string, Gateway>();

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
