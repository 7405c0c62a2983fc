import { ApiError, SignInEndedError } from './api';
import { h } from './dom';

const notice = () => document.getElementById('notice') as HTMLElement;

/** Speaks a short status to screen readers without moving focus. */
export function announce(message: string): void {
  const status = document.getElementById('status') as HTMLElement;
  status.textContent = '';
  // A fresh text node after clearing makes screen readers repeat an identical message.
  window.setTimeout(() => { status.textContent = message; }, 50);
}

export function clearNotice(): void {
  notice().hidden = true;
  notice().replaceChildren();
}

export function showNotice(message: string, kind: 'error' | 'info' = 'info'): void {
  notice().className = `notice notice-${kind}`;
  notice().replaceChildren(h('p', {}, message));
  notice().hidden = false;
}

/** Every failure shows its title, the field errors and the request id that support can look up. */
export function showError(error: unknown): void {
  if (error instanceof SignInEndedError) return;
  notice().className = 'notice notice-error';
  notice().replaceChildren(...describeError(error));
  notice().hidden = false;
}

export function describeError(error: unknown): Node[] {
  if (!(error instanceof ApiError)) {
    return [h('p', {}, 'Something went wrong in this page. Reload it and try again.')];
  }
  const nodes: Node[] = [h('p', { class: 'notice-title' }, messageFor(error))];
  const fields = Object.entries(error.fieldErrors);
  if (fields.length > 0) {
    nodes.push(h('ul', {}, ...fields.flatMap(([, messages]) => messages.map((message) => h('li', {}, message)))));
  }
  if (error.requestId) {
    nodes.push(h('p', { class: 'request-id' }, 'Request ID: ', h('code', { 'data-request-id': '' }, error.requestId)));
  }
  return nodes;
}

function messageFor(error: ApiError): string {
  if (error.status === 429 && error.retryAfterSeconds !== null) {
    return `Too many attempts. Try again in ${waitText(error.retryAfterSeconds)}.`;
  }
  return error.title;
}

export function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** Puts focus on a view's heading after navigation, so keyboard and screen reader users start there. */
export function focusHeading(root: HTMLElement): void {
  const heading = root.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

/** A modal confirmation in a native <dialog>: it traps focus and returns it to the opener when it closes. */
export function confirmAction(question: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const confirm = h('button', { type: 'button', class: 'danger', value: 'confirm' }, confirmLabel);
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const title = h('h2', { id: 'confirm-title' }, question);
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-title', class: 'confirm' }, title,
      h('div', { class: 'actions' }, cancel, confirm));
    const opener = document.activeElement as HTMLElement | null;
    const finish = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      opener?.focus();
      resolve(answer);
    };
    confirm.addEventListener('click', () => finish(true));
    cancel.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); finish(false); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** Marks the inputs the server named in its field errors (aria-invalid), and clears the marks of the others. */
export function markInvalidFields(form: HTMLFormElement, error: unknown): void {
  const invalid = error instanceof ApiError ? Object.keys(error.fieldErrors) : [];
  for (const input of Array.from(form.querySelectorAll('input'))) {
    if (invalid.includes(input.name)) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  form.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
}

/** Runs a form's action with its button disabled, showing any error (and on which fields); returns whether it succeeded. */
export async function busy(button: HTMLButtonElement, action: () => Promise<void>, form?: HTMLFormElement): Promise<boolean> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await action();
    if (form) markInvalidFields(form, null);
    return true;
  } catch (error) {
    showError(error);
    if (form) markInvalidFields(form, error);
    return false;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
