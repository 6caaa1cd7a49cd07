import * as vscode from 'vscode';

/** Samples the walkthrough opens: untitled Python files to run, so a first try needs no file of one's own. */
const SAMPLES: Record<string, string> = {
  lines: [
    '# Put the cursor on a line and press Ctrl+Alt+Enter (or use "Remote Exec: Run Selection").',
    'import platform',
    'platform.python_version()',
    '',
    'numbers = [n * n for n in range(10)]',
    'sum(numbers)',
    '',
  ].join('\n'),
  plot: [
    '# %% A plot: Run Cell (the CodeLens above, or Ctrl+Enter) shows it in Remote Exec Results',
    'import matplotlib.pyplot as plt',
    'import math',
    '',
    'xs = [i / 10 for i in range(100)]',
    'plt.plot(xs, [math.sin(x) for x in xs], label="sin")',
    'plt.plot(xs, [math.cos(x) for x in xs], label="cos")',
    'plt.legend()',
    'plt.show()',
    '',
    '# %% A table: a pandas DataFrame shows as one',
    'import pandas as pd',
    'pd.DataFrame({"x": xs[:5], "sin": [math.sin(x) for x in xs[:5]]})',
    '',
    '# %% input() asks in an input box',
    'name = input("Your name? ")',
    'print(f"Hello, {name}!")',
    '',
  ].join('\n'),
};

export async function openSample(which = 'lines'): Promise<void> {
  const content = SAMPLES[which] ?? SAMPLES.lines;
  const doc = await vscode.workspace.openTextDocument({ language: 'python', content });
  await vscode.window.showTextDocument(doc);
}
