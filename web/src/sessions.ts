import { api, Session } from './api';
import { formatDate, h } from './dom';
import { announce, busy, clearNotice, confirmAction, focusHeading, showError } from './ui';

/** The signed-in user's sessions: create, open, rename, delete. */
export async function renderSessions(root: HTMLElement): Promise<void> {
  const name = h('input', { id: 'session-name', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
  const create = h('button', { type: 'submit' }, 'Create session');
  const form = h('form', { class: 'inline-form', 'aria-label': 'New session' },
    h('label', { for: 'session-name' }, 'New session name'), h('div', { class: 'row' }, name, create));
  const list = h('ul', { class: 'session-list', 'aria-label': 'Your sessions' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  root.replaceChildren(h('section', { class: 'card' }, h('h1', {}, 'Your sessions'), form, list, more));
  focusHeading(root);

  let cursor: string | null = null;
  const load = async (next?: string) => {
    const page = await api.sessions(next);
    if (!next) list.replaceChildren();
    for (const session of page.items) list.append(sessionItem(session));
    if (list.children.length === 0) list.append(h('li', { class: 'empty' }, 'No sessions yet. Create one to upload files.'));
    cursor = page.nextCursor;
    more.hidden = cursor === null;
  };
  more.addEventListener('click', () => busy(more, () => load(cursor ?? undefined)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearNotice();
    if (!form.reportValidity()) return;
    await busy(create, async () => {
      const session = await api.createSession(name.value.trim());
      name.value = '';
      announce(`Session ${session.name} created`);
      location.hash = `#/sessions/${session.sessionId}`;
    });
  });
  try {
    await load();
  } catch (error) {
    showError(error);
  }
}

function sessionItem(session: Session): HTMLLIElement {
  const item = h('li', { class: 'session-item' },
    h('a', { href: `#/sessions/${session.sessionId}`, class: 'session-link' }, session.name),
    h('span', { class: 'meta' }, `Created ${formatDate(session.createdAt)} · expires ${formatDate(session.expiresAt)}`));
  return item;
}

/** The session's title with rename and delete, shared by the session page. */
export function sessionHeader(session: Session, onRenamed: (session: Session) => void): HTMLElement {
  const title = h('h1', {}, session.name);
  const renameButton = h('button', { type: 'button', class: 'secondary' }, 'Rename');
  const deleteButton = h('button', { type: 'button', class: 'danger' }, 'Delete session');
  const input = h('input', { id: 'rename', name: 'name', required: true, maxlength: '100', value: session.name, autocomplete: 'off' });
  const save = h('button', { type: 'submit' }, 'Save');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h('form', { class: 'inline-form', hidden: true, 'aria-label': 'Rename session' },
    h('label', { for: 'rename' }, 'Session name'), h('div', { class: 'row' }, input, save, cancel));
  const actions = h('div', { class: 'actions' }, renameButton, deleteButton);

  renameButton.addEventListener('click', () => {
    form.hidden = false;
    actions.hidden = true;
    input.focus();
    input.select();
  });
  cancel.addEventListener('click', () => {
    form.hidden = true;
    actions.hidden = false;
    renameButton.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearNotice();
    if (!form.reportValidity()) return;
    await busy(save, async () => {
      const renamed = await api.renameSession(session.sessionId, input.value.trim());
      session = renamed;
      title.textContent = renamed.name;
      form.hidden = true;
      actions.hidden = false;
      announce(`Session renamed to ${renamed.name}`);
      renameButton.focus();
      onRenamed(renamed);
    });
  });
  deleteButton.addEventListener('click', async () => {
    if (!(await confirmAction(`Delete the session “${session.name}” and all its files?`, 'Delete session'))) return;
    await busy(deleteButton, async () => {
      await api.deleteSession(session.sessionId);
      announce(`Session ${session.name} deleted`);
      location.hash = '#/';
    });
  });
  return h('div', { class: 'session-header' }, h('p', { class: 'breadcrumb' }, h('a', { href: '#/' }, '← All sessions')), title, actions, form);
}
