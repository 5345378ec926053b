/** Small DOM helpers: build elements declaratively, show errors with their explanation. */
import { ApiError } from './api';

type Attributes = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name === 'class') {
      element.className = String(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      element.append(child);
    }
  }
  return element;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    return error.toString();
  }
  return error instanceof Error ? error.message : String(error);
}

/** Fill `target` with a message box: kind is "error", "info" or "success". */
export function showMessage(
  target: HTMLElement,
  kind: 'error' | 'info' | 'success',
  text: string
): void {
  target.replaceChildren(
    h('div', { class: `cp-message cp-message-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text)
  );
}
