import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activeInterpreter, knownInterpreters, type PythonEnvironmentsApi } from '../../extension/interpreters/pythonExtension';

/** A stand-in for the Python extension's environments API (ms-python.python's exports.environments). */
function pythonApi(active: string, known: PythonEnvironmentsApi['known']): PythonEnvironmentsApi & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    getActiveEnvironmentPath: (resource) => {
      asked.push(resource);
      return { id: active, path: active };
    },
    resolveEnvironment: async (env) => known.find((k) => k.id === (typeof env === 'string' ? env : env.id)),
    known,
  };
}

const conda = {
  id: '/opt/conda/envs/ml',
  path: '/opt/conda/envs/ml',
  executable: { uri: { fsPath: '/opt/conda/envs/ml/bin/python' } },
  environment: { name: 'ml', type: 'Conda' },
  version: { major: 3, minor: 12, micro: 4 },
};

describe("the Python extension's interpreter, through its public environments API", () => {
  test('the interpreter selected for the folder is the one a local Python gateway starts with, its executable resolved', async () => {
    const api = pythonApi(conda.id, [conda]);
    const folder = { fsPath: '/work/project' };
    assert.deepEqual(await activeInterpreter(api, folder), {
      path: '/opt/conda/envs/ml/bin/python',
      label: 'Python 3.12.4 (ml)',
      source: 'python-extension',
    });
    assert.deepEqual(api.asked, [folder], 'asked for the folder the code runs from');
  });

  test('an environment it cannot resolve is still used by its path; the known ones are offered in the picker', async () => {
    const api = pythonApi('/usr/bin/python3.11', [conda]);
    assert.equal((await activeInterpreter(api))?.path, '/usr/bin/python3.11');
    assert.deepEqual(
      knownInterpreters(api).map((p) => [p.path, p.label]),
      [['/opt/conda/envs/ml/bin/python', 'Python 3.12.4 (ml)']],
    );
  });
});
