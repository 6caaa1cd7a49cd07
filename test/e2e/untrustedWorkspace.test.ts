import * as path from 'path';
import { after, before, describe, test } from 'node:test';
import { e2eAvailable, runHostSuite, startVsCodeServer, type VsCodeServer } from '../helpers/vscode';

// What a cloned repository could ship: settings that start a process of its choosing.
const WORKSPACE_SETTINGS = {
  'remoteExec.languageGateways': { python: 'popen//env:FROM_WORKSPACE=1' },
  'remoteExec.gateways': [{ name: 'from the repository', spec: 'popen//env:FROM_WORKSPACE=1' }],
};

describe('the extension in an untrusted workspace (restricted mode)', { skip: e2eAvailable() }, () => {
  let server: VsCodeServer;

  before(async () => {
    server = await startVsCodeServer({
      untrusted: true,
      files: {
        '.vscode/settings.json': JSON.stringify(WORKSPACE_SETTINGS, null, 2),
        'probe.py': "import os\nrepr(os.environ.get('FROM_WORKSPACE'))\n",
        'user.py': "import os\nrepr(os.environ.get('FROM_USER'))\n",
      },
    });
  });

  after(async () => {
    await server?.stop();
  });

  test("ignores the workspace's gateway settings and refuses gateway specs passed to its commands (in-host suite)", async () => {
    console.log((await runHostSuite(server, path.join(__dirname, 'host/untrusted.ts'))).join('\n'));
  });
});
