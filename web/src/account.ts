import { api, Me } from './api';
import { h } from './dom';
import { announce, busy, clearNotice, focusHeading, showNotice } from './ui';

function passwordField(id: string, label: string, autocomplete: string, hint?: string): [HTMLLabelElement, HTMLInputElement, HTMLElement | false] {
  const input = h('input', {
    id, name: id, type: 'password', required: true, autocomplete, minlength: autocomplete === 'new-password' ? '12' : undefined,
    'aria-describedby': hint ? `${id}-hint` : undefined,
  });
  return [h('label', { for: id }, label), input, hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : false];
}

function changePasswordForm(): HTMLFormElement {
  const [currentLabel, current] = passwordField('currentPassword', 'Current password', 'current-password');
  const [nextLabel, next, nextHint] = passwordField('newPassword', 'New password', 'new-password',
    'At least 12 characters; a common password is refused. Your other devices will be signed out.');
  const submit = h('button', { type: 'submit' }, 'Change password');
  const form = h('form', { class: 'card account-form', novalidate: true, 'aria-labelledby': 'change-password-title' },
    h('h2', { id: 'change-password-title' }, 'Change password'), currentLabel, current, nextLabel, next, nextHint, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearNotice();
    if (!form.reportValidity()) return;
    const changed = await busy(submit, () => api.changePassword(current.value, next.value), form);
    if (!changed) return;
    form.reset();
    showNotice('Your password is changed. Every other sign-in has ended.');
    announce('Password changed');
  });
  return form;
}

const deleteWord = 'delete';

function deleteAccountForm(onDeleted: () => void): HTMLFormElement {
  const [label, password] = passwordField('password', 'Password', 'current-password');
  const confirmation = h('input', { id: 'confirmation', name: 'confirmation', type: 'text', required: true, autocomplete: 'off', 'aria-describedby': 'confirmation-hint' });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Delete my account');
  const form = h('form', { class: 'card account-form', novalidate: true, 'aria-labelledby': 'delete-account-title' },
    h('h2', { id: 'delete-account-title' }, 'Delete account'),
    h('p', { class: 'lead' },
      'Every session, file and profile is erased, with every stored version of your files, and every sign-in ends. ' +
      'This cannot be undone. The access records stay: they are the audit trail of what happened to your data.'),
    label, password,
    h('label', { for: 'confirmation' }, `To confirm, type “${deleteWord}”`), confirmation,
    h('p', { id: 'confirmation-hint', class: 'hint' }, 'The account goes as soon as you press the button.'),
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearNotice();
    if (!form.reportValidity()) return;
    if (confirmation.value.trim().toLowerCase() !== deleteWord) {
      confirmation.setAttribute('aria-invalid', 'true');
      confirmation.focus();
      showNotice(`Type “${deleteWord}” to confirm.`, 'error');
      return;
    }
    confirmation.removeAttribute('aria-invalid');
    const deleted = await busy(submit, () => api.deleteAccount(password.value), form);
    if (deleted) onDeleted();
  });
  return form;
}

/** What a signed-in person can do with their account: change the password, or leave with everything erased. */
export function renderAccount(root: HTMLElement, me: Me, onDeleted: () => void): void {
  document.title = 'Your account · Enclave';
  root.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← All sessions')),
    h('h1', {}, 'Your account'),
    h('p', { class: 'lead' }, `Signed in as ${me.email}.`),
    changePasswordForm(),
    deleteAccountForm(onDeleted));
  focusHeading(root);
}
