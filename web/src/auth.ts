import { api, Me } from './api';
import { h } from './dom';
import { renderCheckMail } from './recovery';
import { announce, busy, clearNotice, focusHeading, showNotice } from './ui';

type Mode = 'sign-in' | 'register';

/** The sign-in and register form; on success hands the signed-in user to the app. */
export function renderAuth(root: HTMLElement, mode: Mode, onSignedIn: (me: Me) => void): void {
  const registering = mode === 'register';
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'password', name: 'password', type: 'password', required: true, minlength: registering ? '12' : undefined,
    autocomplete: registering ? 'new-password' : 'current-password', 'aria-describedby': registering ? 'password-hint' : undefined,
  });
  const submit = h('button', { type: 'submit' }, registering ? 'Create account' : 'Sign in');
  const form = h('form', { class: 'card auth', novalidate: true },
    h('h1', {}, registering ? 'Create your account' : 'Sign in to Enclave'),
    h('p', { class: 'lead' }, 'Your sessions and files are yours alone: nobody else can see them.'),
    h('label', { for: 'email' }, 'Email'), email,
    h('label', { for: 'password' }, 'Password'), password,
    registering && h('p', { id: 'password-hint', class: 'hint' }, 'At least 12 characters; a common password is refused.'),
    submit,
    !registering && h('p', { class: 'switch' }, h('a', { href: '#/forgot-password' }, 'Forgot your password?')),
    h('p', { class: 'switch' }, registering ? 'Already have an account? ' : 'New here? ',
      h('a', { href: registering ? '#/sign-in' : '#/register' }, registering ? 'Sign in' : 'Create an account')));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearNotice();
    if (!form.reportValidity()) return;
    await busy(submit, async () => {
      if (registering) {
        await api.register(email.value.trim(), password.value);
        password.value = '';
        renderCheckMail(root, email.value.trim());
        return;
      }
      const me = await api.login(email.value.trim(), password.value);
      password.value = '';
      announce(`Signed in as ${me.email}`);
      onSignedIn(me);
    }, form);
    if (!form.isConnected) return;
    password.focus();
  });

  root.replaceChildren(form);
  focusHeading(root);
}

export function signedOutMessage(): void {
  showNotice('Your sign-in has ended. Sign in again to continue.', 'info');
}
