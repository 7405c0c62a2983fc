import { api } from './api';
import { h } from './dom';
import { announce, busy, clearNotice, focusHeading } from './ui';

/** The token a mailed link carries in the URL fragment (never sent to a server). */
export function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.split('?')[1] ?? '').get('token') ?? '';
}

function card(root: HTMLElement, title: string, ...children: (Node | string | false)[]): HTMLElement {
  document.title = `${title} · Enclave`;
  const section = h('section', { class: 'card auth' }, h('h1', {}, title), ...children);
  root.replaceChildren(section);
  focusHeading(root);
  return section;
}

/** After registering: the same screen whether the address was new or taken. */
export function renderCheckMail(root: HTMLElement, email: string): void {
  card(root, 'Check your mail',
    h('p', { class: 'lead' }, `We sent a message to ${email}. Open the link in it to confirm your address, then sign in.`),
    h('p', { class: 'switch' }, h('a', { href: '#/sign-in' }, 'Back to sign in')));
  announce('Check your mail');
}

export async function renderVerifyEmail(root: HTMLElement, token: string): Promise<void> {
  card(root, 'Confirming your email', h('p', { class: 'lead' }, 'One moment…'));
  try {
    await api.verifyEmail(token);
    card(root, 'Email confirmed',
      h('p', { class: 'lead' }, 'Your address is confirmed. You can sign in now.'),
      h('p', { class: 'switch' }, h('a', { href: '#/sign-in' }, 'Sign in')));
  } catch {
    card(root, 'This link has expired',
      h('p', { class: 'lead' }, 'The link was used already or is too old. Register again to get a new one.'),
      h('p', { class: 'switch' }, h('a', { href: '#/register' }, 'Create an account')));
  }
}

export function renderForgotPassword(root: HTMLElement): void {
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true });
  const submit = h('button', { type: 'submit' }, 'Send reset link');
  const form = h('form', { class: 'card auth', novalidate: true },
    h('h1', {}, 'Forgot your password?'),
    h('p', { class: 'lead' }, 'We will mail you a link to choose a new one.'),
    h('label', { for: 'email' }, 'Email'), email, submit);
  document.title = 'Forgot your password? · Enclave';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearNotice();
    if (!form.reportValidity()) return;
    await busy(submit, async () => {
      await api.requestReset(email.value.trim());
      renderCheckMail(root, email.value.trim());
    });
  });
  root.replaceChildren(form);
  focusHeading(root);
}

export function renderResetPassword(root: HTMLElement, token: string): void {
  const password = h('input', {
    id: 'password', name: 'password', type: 'password', required: true, minlength: '12', autocomplete: 'new-password', 'aria-describedby': 'password-hint',
  });
  const submit = h('button', { type: 'submit' }, 'Set new password');
  const form = h('form', { class: 'card auth', novalidate: true },
    h('h1', {}, 'Choose a new password'),
    h('label', { for: 'password' }, 'New password'), password,
    h('p', { id: 'password-hint', class: 'hint' }, 'At least 12 characters; a common password is refused. You will be signed out everywhere.'),
    submit);
  document.title = 'Choose a new password · Enclave';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearNotice();
    if (!form.reportValidity()) return;
    await busy(submit, async () => {
      await api.resetPassword(token, password.value);
      password.value = '';
      card(root, 'Password changed',
        h('p', { class: 'lead' }, 'Your new password is set and every sign-in has ended.'),
        h('p', { class: 'switch' }, h('a', { href: '#/sign-in' }, 'Sign in')));
    });
  });
  root.replaceChildren(form);
  focusHeading(root);
}
