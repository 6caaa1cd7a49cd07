/**
 * Ctrl-C as a user expects from a program that runs code: the first asks that code to stop (the caller
 * raises KeyboardInterrupt remotely, so `finally` blocks run and the traceback is shown); a second one
 * ends at once, with the shell's code for "ended by SIGINT". `press` is the same for a Ctrl-C read as a key
 * (a terminal in raw mode sends no signal); `remove` uninstalls it.
 */
export function onCtrlC(interrupt: () => void): { press(): void; remove(): void } {
  let pressed = 0;
  const press = () => {
    pressed++;
    if (pressed === 1) interrupt();
    else process.exit(130);
  };
  process.on('SIGINT', press);
  return { press, remove: () => process.off('SIGINT', press) };
}
