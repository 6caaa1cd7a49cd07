/** The webview side of `acquireVsCodeApi()`, typed with this view's messages and state. */
export interface VsCodeApi<Out, State> {
  postMessage(message: Out): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

export function vscodeApi<Out, State>(): VsCodeApi<Out, State> {
  return acquireVsCodeApi() as VsCodeApi<Out, State>;
}

/** Injects the view's CSS with the page's nonce (the CSP allows inline styles only with it). */
export function addStyle(css: string): void {
  const style = document.createElement('style');
  const nonce = document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content');
  if (nonce) style.setAttribute('nonce', nonce);
  style.textContent = css;
  document.head.appendChild(style);
}
