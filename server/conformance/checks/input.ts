import { MessageType, type Gateway, type InputRequest } from '../../../protocol';
import { expectEqual, fail, show, type Check } from '../check';
import { runAsVersion1Host, richSnippets } from './display';
import { receive } from './helpers';

/** Runs `source` as session code while `answer` answers INPUT requests; returns the requests and the first item. */
async function withInput(gateway: Gateway, source: string, answer: (r: InputRequest) => string | null) {
  const requests: InputRequest[] = [];
  gateway.setInputHandler((r) => {
    requests.push(r);
    return answer(r);
  });
  try {
    const channel = gateway.remoteExec(source, { session: true });
    const item = await receive(channel, 'what the code read');
    return { requests, item, channel };
  } finally {
    gateway.setInputHandler(undefined);
  }
}

export const inputChecks: Check[] = [
  {
    name: "INPUT: a line read by user code is asked of the host with the prompt and the task's channel; the REPLY is the line",
    needsSnippets: true,
    async run(ctx) {
      const source = richSnippets(ctx).readLine;
      const { requests, item, channel } = await withInput(await ctx.fresh(), source, () => 'conformance-line');
      expectEqual('INPUT requests made', requests.length, 1);
      expectEqual('INPUT prompt', requests[0].prompt, 'conformance-prompt> ');
      expectEqual('INPUT password', requests[0].password, false);
      expectEqual('INPUT channel', requests[0].channel?.id, channel.id);
      expectEqual('the line the code read (without its newline)', item, 'conformance-line');
    },
  },
  {
    name: 'INPUT: a password read asks with password true',
    needsSnippets: true,
    async run(ctx) {
      const source = richSnippets(ctx).readPassword;
      const { requests, item } = await withInput(await ctx.fresh(), source, () => 'conformance-pass');
      expectEqual('INPUT password', requests[0]?.password, true);
      expectEqual('INPUT prompt', requests[0]?.prompt, 'conformance-secret: ');
      expectEqual('the password the code read', item, 'conformance-pass');
    },
  },
  {
    name: "INPUT: REPLY_ERROR EOFError (nothing to give) raises the language's end-of-file error in the reader",
    needsSnippets: true,
    async run(ctx) {
      const source = richSnippets(ctx).readLineOrEof;
      const { requests, item } = await withInput(await ctx.fresh(), source, () => null);
      expectEqual('INPUT requests made', requests.length, 1);
      expectEqual('what the reader saw', item, 'eof');
    },
  },
  {
    name: 'INPUT: a version-1 host is never asked; reading meets end-of-file (§4)',
    needsSnippets: true,
    async run(ctx) {
      const { types, items } = await runAsVersion1Host(ctx, richSnippets(ctx).readLineOrEof);
      if (types.includes(MessageType.INPUT)) fail('messages to a version-1 host', 'no INPUT', show(types));
      expectEqual('what the reader saw', items[0], 'eof');
    },
  },
];
