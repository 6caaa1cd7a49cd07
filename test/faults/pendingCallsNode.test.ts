import { millionPendingCalls } from '../helpers/millionPendingCalls';

millionPendingCalls({
  name: 'Node',
  spec: 'popen//node=node',
  define:
    'let open;\nglobalThis.gate = new Promise((r) => (open = r));\nglobalThis.openGate = () => open();\nglobalThis.wait = async (i) => {\n  await gate;\n  return i;\n};\n',
  open: 'openGate();',
});
