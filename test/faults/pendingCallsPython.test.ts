import { millionPendingCalls } from '../helpers/millionPendingCalls';

millionPendingCalls({
  name: 'Python',
  spec: 'popen',
  define: 'import threading\ngate = threading.Event()\ndef wait(i):\n    gate.wait()\n    return i\n',
  open: 'gate.set()',
});
