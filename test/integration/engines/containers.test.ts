import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentStartError, InterpreterNotFoundError, makeGateway } from '../../../server/api';
import { containersMissing, IMAGE_NO_PYTHON, startContainerEngine, type ContainerEngine } from './containerEngine';

describe('docker= and podman= against a real container engine (podman serving the Docker API)', () => {
  const skip = containersMissing();
  let engine: ContainerEngine | undefined;
  const saved: Record<string, string | undefined> = {};
  before(async () => {
    if (skip) return;
    engine = await startContainerEngine();
    for (const [k, v] of Object.entries(engine.env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    engine.run('re-box');
    engine.run('re-bare', IMAGE_NO_PYTHON);
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await engine?.stop();
  });

  const insideContainer =
    'import os\nchannel.send([os.path.exists("/.containerenv") or os.path.exists("/run/.containerenv"), os.getcwd(), os.environ.get("GREETING"), os.nice(0)])';

  test('popen//docker=CONTAINER runs the agent inside, with chdir=, env: and nice= applied there', async (t) => {
    if (skip) return t.skip(skip);
    const gw = await makeGateway('popen//docker=re-box//chdir=/tmp//env:GREETING=hi//nice=4');
    try {
      assert.match(gw.info.executable ?? '', /^\/usr\/bin\/python3/);
      assert.deepEqual(await gw.remoteExec(insideContainer).receive(10000), [true, '/tmp', 'hi', 4]);
    } finally {
      await gw.exit();
    }
  });

  test('popen//podman=CONTAINER is its own key and works the same', async (t) => {
    if (skip) return t.skip(skip);
    const gw = await makeGateway('popen//podman=re-box//chdir=/tmp');
    try {
      assert.deepEqual(((await gw.remoteExec(insideContainer).receive(10000)) as unknown[]).slice(0, 2), [true, '/tmp']);
    } finally {
      await gw.exit();
    }
  });

  test('the Node agent works inside a container', async (t) => {
    if (skip) return t.skip(skip);
    const gw = await makeGateway('popen//docker=re-box//node=node//chdir=/tmp');
    try {
      assert.equal(gw.info.language, 'node');
      const ch = gw.remoteExec('channel.send([require("fs").existsSync("/run/.containerenv"), process.cwd()])');
      assert.deepEqual(await ch.receive(10000), [true, '/tmp']);
    } finally {
      await gw.exit();
    }
  });

  test('a container without python3 is an InterpreterNotFoundError naming the container', async (t) => {
    if (skip) return t.skip(skip);
    await assert.rejects(
      makeGateway('popen//docker=re-bare'),
      (err: unknown) => err instanceof InterpreterNotFoundError && /container re-bare has no python3/.test(err.message),
    );
  });

  test('a container that is not running is named as such', async (t) => {
    if (skip) return t.skip(skip);
    await assert.rejects(
      makeGateway('popen//docker=re-nosuch'),
      (err: unknown) => err instanceof AgentStartError && /there is no running container re-nosuch/.test(err.message),
    );
  });
});

describe('docker= and podman= on a machine without them', () => {
  for (const key of ['docker', 'podman'])
    test(`a missing ${key} binary is named as such, not as a missing interpreter`, async () => {
      const saved = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        await assert.rejects(
          makeGateway(`popen//${key}=box//python=/usr/bin/python3`),
          (err: unknown) =>
            err instanceof AgentStartError &&
            !(err instanceof InterpreterNotFoundError) &&
            new RegExp(`${key} is not installed on this machine`).test(err.message),
        );
      } finally {
        process.env.PATH = saved;
      }
    });
});
