import { api, ApiError, Session, Upload } from './api';
import { formatBytes, formatDate, h } from './dom';
import { PartProgress, sendParts } from './multipart';
import { sessionHeader } from './sessions';
import { announce, busy, clearNotice, confirmAction, describeError, focusHeading, showError } from './ui';

const settled = new Set(['ready', 'rejected']);
const pollMilliseconds = 1000;

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

  const rows = new Map<string, HTMLLIElement>();
  const show = (upload: Upload, progress?: HTMLProgressElement) => {
    const row = uploadRow(session.sessionId, upload, progress, () => { rows.delete(upload.uploadId); row.remove(); showEmpty(); });
    const existing = rows.get(upload.uploadId);
    if (existing) existing.replaceWith(row);
    else list.prepend(row);
    rows.set(upload.uploadId, row);
    showEmpty();
    if (!settled.has(upload.status) && upload.status !== 'pending' && !progress) poll(session.sessionId, upload, row, show);
  };
  const showEmpty = () => {
    list.querySelector('.empty')?.remove();
    if (rows.size === 0) list.append(h('li', { class: 'empty' }, 'No files yet.'));
  };

  const start = (files: FileList | null) => {
    clearNotice();
    for (const file of Array.from(files ?? [])) void uploadFile(session.sessionId, file, list, show);
  };
  picker.addEventListener('change', () => { start(picker.files); picker.value = ''; });
  dropZone.addEventListener('dragover', (event) => { event.preventDefault(); dropZone.classList.add('dragging'); });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('dragging');
    start(event.dataTransfer?.files ?? null);
  });

  try {
    let cursor: string | undefined;
    const all: Upload[] = [];
    do {
      const page = await api.uploads(session.sessionId, cursor);
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    for (const upload of all.reverse()) show(upload);
    showEmpty();
  } catch (error) {
    showError(error);
  }
}

const contentTypes: Record<string, string> = {
  csv: 'text/csv', tsv: 'text/tab-separated-values', jsonl: 'application/x-ndjson', ndjson: 'application/x-ndjson', zip: 'application/zip', gz: 'application/gzip',
};

function contentTypeOf(file: File): string {
  const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
  return contentTypes[extension] ?? (file.type || 'application/octet-stream');
}

/** Asks the API for a presigned form, posts the file straight to storage, then tells the API it is there. */
async function uploadFile(sessionId: string, file: File, list: HTMLElement, show: (upload: Upload, progress?: HTMLProgressElement) => void) {
  const progress = h('progress', { max: '100', value: '0', 'aria-label': `Uploading ${file.name}` });
  const placeholder = h('li', { class: 'upload-item' }, h('span', { class: 'file-name' }, file.name), progress);
  list.querySelector('.empty')?.remove();
  list.prepend(placeholder);
  let uploadId: string | undefined;
  try {
    const contentType = contentTypeOf(file);
    const created = await api.createUpload(sessionId, file.name, contentType, file.size);
    uploadId = created.uploadId;
    placeholder.remove();
    const uploading: Upload = {
      uploadId: created.uploadId, sessionId, fileName: file.name, contentType, declaredSize: file.size, size: null, status: 'pending',
      reason: null, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), expiresAt: created.expiresAt,
    };
    show(uploading, progress);
    announce(`Uploading ${file.name}`);
    if (created.multipart) {
      await sendInParts(sessionId, created.uploadId, file, created.multipart, progress);
    } else if (created.upload) {
      await postForm(created.upload.url, created.upload.fields, file, (fraction) => { progress.value = Math.round(fraction * 100); });
    }
    progress.value = 100;
    const completed = await api.completeUpload(sessionId, created.uploadId);
    announce(`${file.name} uploaded; checking it now`);
    show(completed);
  } catch (error) {
    placeholder.remove();
    // A cancelled upload was deleted: its row goes, and the notice below says why.
    if (error instanceof CancelledError && uploadId) list.querySelector(`[data-upload-id="${uploadId}"]`)?.remove();
    const failed = h('li', { class: 'upload-item failed' }, h('span', { class: 'file-name' }, file.name),
      h('div', { class: 'reason', role: 'alert' }, ...(error instanceof ApiError ? describeError(error) : [String((error as Error).message)])));
    list.prepend(failed);
  }
}

class CancelledError extends Error {}

/** Parts with live percent, bytes, speed and time left beside the bar, and a Cancel that aborts the upload. */
async function sendInParts(sessionId: string, uploadId: string, file: File, plan: { partSize: number; partCount: number },
  progress: HTMLProgressElement): Promise<void> {
  const figures = h('span', { class: 'meta', 'data-testid': 'upload-figures' }, '');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  cancel.setAttribute('aria-label', `Cancel uploading ${file.name}`);
  progress.after(figures, cancel);
  const aborter = new AbortController();
  cancel.addEventListener('click', () => aborter.abort());
  const started = performance.now();
  let firstBytes: number | null = null;
  const onProgress = ({ sentBytes, totalBytes }: PartProgress) => {
    firstBytes ??= sentBytes; // resumed parts are not this page's speed
    const percent = Math.floor((sentBytes / totalBytes) * 100);
    progress.value = percent;
    const seconds = (performance.now() - started) / 1000;
    const speed = seconds > 0.5 ? (sentBytes - firstBytes) / seconds : 0;
    const left = speed > 0 ? Math.ceil((totalBytes - sentBytes) / speed) : null;
    figures.textContent = `${percent} % · ${formatBytes(sentBytes)} of ${formatBytes(totalBytes)}` +
      (speed > 0 ? ` · ${formatBytes(speed)}/s` : '') + (left !== null ? ` · about ${left} s left` : '');
  };
  try {
    await sendParts(sessionId, uploadId, file, plan, onProgress, aborter.signal);
  } catch (error) {
    if (aborter.signal.aborted) {
      await api.deleteUpload(sessionId, uploadId);
      throw new CancelledError(`Upload of ${file.name} cancelled.`);
    }
    throw error;
  } finally {
    cancel.remove();
  }
}

function postForm(url: string, fields: Record<string, string>, file: File, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.upload.addEventListener('progress', (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new Error(`Storage refused the file: ${storageError(xhr.responseText) ?? `status ${xhr.status}`}.`));
    });
    xhr.addEventListener('error', () => reject(new Error('The upload to storage failed. Check your connection and try again.')));
    xhr.send(form);
  });
}

function storageError(xml: string): string | null {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  return code === 'EntityTooLarge' ? 'the file is larger than allowed' : code ?? null;
}

const statusText: Record<Upload['status'], string> = {
  pending: 'Waiting for the file', uploaded: 'Uploaded, queued for checking', processing: 'Checking and profiling', ready: 'Ready', rejected: 'Rejected',
};

function uploadRow(sessionId: string, upload: Upload, progress: HTMLProgressElement | undefined, onDeleted: () => void): HTMLLIElement {
  // While this page sends the file, "waiting for the file" would be wrong.
  const label = progress && upload.status === 'pending' ? 'Uploading' : statusText[upload.status];
  const status = h('span', { class: `status status-${upload.status}`, 'data-status': upload.status }, label);
  const actions = h('div', { class: 'actions' });
  if (upload.status === 'ready') {
    actions.append(h('a', { class: 'button secondary', href: `#/sessions/${sessionId}/uploads/${upload.uploadId}` }, 'View profile'));
  }
  if (upload.status === 'ready' || upload.status === 'processing' || upload.status === 'uploaded') {
    const download = h('button', { type: 'button', class: 'secondary' }, 'Download');
    download.addEventListener('click', () => busy(download, async () => {
      const link = await api.download(sessionId, upload.uploadId);
      // A navigation, not a fetch: the link answers with Content-Disposition: attachment.
      window.location.assign(link.url);
    }));
    actions.append(download);
  }
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');
  remove.setAttribute('aria-label', `Delete ${upload.fileName}`);
  remove.addEventListener('click', async () => {
    if (!(await confirmAction(`Delete “${upload.fileName}”?`, 'Delete file'))) return;
    await busy(remove, async () => {
      await api.deleteUpload(sessionId, upload.uploadId);
      announce(`${upload.fileName} deleted`);
      onDeleted();
    });
  });
  if (!progress) actions.append(remove);
  return h('li', { class: 'upload-item', 'data-upload-id': upload.uploadId },
    h('div', { class: 'upload-main' },
      h('span', { class: 'file-name' }, upload.fileName),
      h('span', { class: 'meta' }, `${formatBytes(upload.size ?? upload.declaredSize)} · ${formatDate(upload.createdAt)}`)),
    progress ?? null,
    status,
    upload.reason ? h('p', { class: 'reason' }, upload.reason) : null,
    actions);
}

/** Polls one file until it is ready or rejected, while its row is on screen. */
function poll(sessionId: string, upload: Upload, row: HTMLElement, show: (upload: Upload) => void): void {
  window.setTimeout(async () => {
    if (!row.isConnected) return;
    try {
      const latest = await api.upload(sessionId, upload.uploadId);
      if (!row.isConnected) return;
      if (latest.status === upload.status) {
        poll(sessionId, latest, row, show);
        return;
      }
      if (latest.status === 'ready') announce(`${latest.fileName} is ready`);
      if (latest.status === 'rejected') announce(`${latest.fileName} was rejected: ${latest.reason ?? ''}`);
      show(latest);
    } catch (error) {
      if (row.isConnected) showError(error);
    }
  }, pollMilliseconds);
}
