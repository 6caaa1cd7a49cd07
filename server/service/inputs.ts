import type { Gateway, InputRequest } from '../../protocol';
import type { ServiceEvents } from './events';
import type { ManagedGateway } from './managedGateway';

/**
 * Answers a gateway's INPUT requests by asking the user through the extension (an input box); the
 * question is withdrawn when its run ends first (an interrupt, a closed channel). With no way to ask,
 * the gateway's own default applies: EOFError at once.
 */
export function attachInput(gateway: Gateway, managed: ManagedGateway, events: ServiceEvents): void {
  const ask = events.input;
  if (!ask) return;
  gateway.setInputHandler(async (request: InputRequest) => {
    const runId = request.channel ? managed.runOf(request.channel.id) : undefined;
    const asking = new AbortController();
    const withdraw = managed.whenRunEnds(runId, () => asking.abort());
    try {
      return await ask({ gatewayId: gateway.id, runId, prompt: request.prompt, password: request.password }, asking.signal);
    } finally {
      withdraw();
    }
  });
}
