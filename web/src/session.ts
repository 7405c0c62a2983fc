import { api, Session, Upload } from './api';
import { h } from './dom';
import { sessionHeader } from './sessions';
import { beginUpload, rowFor, startingRow } from './uploading';
import { clearNotice, focusHeading, showError, showNotice } from './ui';

/** Where a file dropped anywhere on the page goes: the open session's uploads, while its page is shown. */
let dropTarget: { list: HTMLElement; start: (files: FileList) => void } | null = null;

/** Files dropped outside the drop zone never make the browser open them: they upload to the open session, or are refused. */
export function catchPageDrops(): void {
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = dropTarget?.list.isConnected ? 'copy' : 'none';
  });
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    const files = event.dataTransfer?.files;
    if (!files || files.length === 0) return;
    if (dropTarget?.list.isConnected) dropTarget.start(files);
    else showNotice('Open a session to upload files into it.');
  });
}

/** A session: its files, uploads by picker or drag-and-drop, each with a progress bar and a live status. */
export async function renderSession(root: HTMLElement, sessionId: string): Promise<void> {
  let session: Session;
  try {
    session = await api.session(sessionId);
  } catch (error) {
    root.replaceChildren(h('section', { class: 'card' }, h('h1', {}, 'Session not available'),
      h('p', {}, h('a', { href: '#/' }, 'Back to your sessions'))));
    showError(error);
    return;
  }

  const list = h('ul', { class: 'upload-list', 'aria-label': 'Files in this session' });
  const picker = h('input', { id: 'file-picker', type: 'file', multiple: true, accept: '.csv,.tsv,.jsonl,.ndjson,.zip,.gz', class: 'visually-hidden' });
  const dropZone = h('div', { class: 'drop-zone', 'data-testid': 'drop-zone' },
    h('p', {}, 'Drag files here, or ', h('label', { for: 'file-picker', class: 'picker-label' }, 'choose files'), '.'),
    h('p', { class: 'hint' }, 'CSV, TSV, JSON lines, or a ZIP of those.'), picker);
  root.replaceChildren(h('section', { class: 'card' },
    sessionHeader(session, (renamed) => { session = renamed; }),
    h('h2', {}, 'Upload files'), dropZone,
    h('h2', {}, 'Files'), list));
  focusHeading(root);

  const start = (files: FileList | null) => {
    clearNotice();
    const chosen = Array.from(files ?? []);
    if (chosen.length === 0) return;
    const rows = chosen.map(startingRow);
    list.querySelector('.empty')?.remove();
    list.prepend(...rows);
    void (async () => {
      // The list is newest first: creating the last chosen file first keeps the chosen order after a reload too.
      for (let i = chosen.length - 1; i >= 0; i--) {
        await beginUpload(session.sessionId, chosen[i] as File, rows[i] as HTMLLIElement);
      }
    })();
  };
  dropTarget = { list, start };
  picker.addEventListener('change', () => { start(picker.files); picker.value = ''; });
  dropZone.addEventListener('dragover', () => dropZone.classList.add('dragging'));
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
  dropZone.addEventListener('drop', () => dropZone.classList.remove('dragging'));

  try {
    let cursor: string | undefined;
    const all: Upload[] = [];
    do {
      const page = await api.uploads(session.sessionId, cursor);
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    list.append(...all.map(rowFor));
  } catch (error) {
    showError(error);
  }
  if (!list.querySelector('.upload-item')) list.append(h('li', { class: 'empty' }, 'No files yet.'));
}
