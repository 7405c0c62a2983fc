import { api, ApiError, CreatedUpload, Upload } from './api';
import { formatBytes, formatDate, h } from './dom';
import { PartProgress, sendParts } from './multipart';
import { announce, busy, confirmAction, describeError } from './ui';

/**
 * One row per upload, painted in place (the same <li> for its whole life), so a row that this page is
 * sending survives leaving the session page: coming back puts the same live row into the new list.
 */

const final = new Set<Upload['status']>(['ready', 'rejected', 'expired']);
/** Polling starts at a second, grows by half each time up to 10 s, and gives up after 15 minutes. */
const firstPollMilliseconds = 1000;
const longestPollMilliseconds = 10_000;
const pollDeadlineMilliseconds = 15 * 60_000;

/** An upload whose bytes this page is sending (or holds, paused): the only state kept between pages. */
interface Sending {
  upload: Upload;
  file: File;
  row: HTMLLIElement;
  aborter: AbortController;
  paused: boolean;
  problem: Node[] | null;
}

const sending = new Map<string, Sending>();

/**
 * What identifies "the same file" when a multipart upload is resumed after a reload: the server keeps its
 * name and size; the last-modified time is kept here, per upload id (never the bytes, never the name).
 */
const modifiedKey = (uploadId: string) => `enclave.upload.${uploadId}.lastModified`;
const forgetFile = (uploadId: string) => localStorage.removeItem(modifiedKey(uploadId));

/** The row of an existing upload: the live one if this page is sending it, else one drawn from its status. */
export function rowFor(upload: Upload): HTMLLIElement {
  const live = sending.get(upload.uploadId);
  if (live) return live.row;
  const row = h('li', { class: 'upload-item' });
  paint(row, upload);
  return row;
}

/** A row for a chosen file before the API has answered, so rows stand in the order the files were chosen. */
export function startingRow(file: File): HTMLLIElement {
  return h('li', { class: 'upload-item' },
    h('div', { class: 'upload-main' }, h('span', { class: 'file-name' }, file.name), h('span', { class: 'meta' }, formatBytes(file.size))),
    h('span', { class: 'status status-pending', 'data-status': 'starting' }, 'Starting'));
}

/** Stops every upload this page sends (on sign-out): their rows are gone with the page. */
export function stopAllUploads(): void {
  for (const live of sending.values()) {
    live.paused = true;
    live.aborter.abort();
  }
  sending.clear();
}

const contentTypes: Record<string, string> = {
  csv: 'text/csv', tsv: 'text/tab-separated-values', jsonl: 'application/x-ndjson', ndjson: 'application/x-ndjson', zip: 'application/zip', gz: 'application/gzip',
};

function contentTypeOf(file: File): string {
  const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
  return contentTypes[extension] ?? (file.type || 'application/octet-stream');
}

/** Creates the upload for a chosen file and starts sending it into its (already placed) row; resolves once created. */
export async function beginUpload(sessionId: string, file: File, row: HTMLLIElement): Promise<void> {
  const contentType = contentTypeOf(file);
  let created: CreatedUpload;
  try {
    created = await api.createUpload(sessionId, file.name, contentType, file.size);
  } catch (error) {
    row.replaceChildren(h('span', { class: 'file-name' }, file.name),
      h('div', { class: 'reason', role: 'alert' }, ...describeError(error)));
    row.classList.add('failed');
    return;
  }
  const now = new Date().toISOString();
  const upload: Upload = {
    uploadId: created.uploadId, sessionId, fileName: file.name, contentType, declaredSize: file.size, size: null, status: 'pending',
    reason: null, createdAt: now, updatedAt: now, expiresAt: created.expiresAt, ...(created.multipart ? { multipart: created.multipart } : {}),
  };
  if (created.multipart) localStorage.setItem(modifiedKey(upload.uploadId), String(file.lastModified));
  const live: Sending = { upload, file, row, aborter: new AbortController(), paused: false, problem: null };
  sending.set(upload.uploadId, live);
  announce(`Uploading ${file.name}`);
  void send(live, created.upload);
}

async function send(live: Sending, form?: CreatedUpload['upload']): Promise<void> {
  const { upload, file, row } = live;
  const view = paintSending(live);
  try {
    if (upload.multipart) await sendParts(upload.sessionId, upload.uploadId, file, upload.multipart, view.onProgress, live.aborter.signal);
    else if (form) await postForm(form.url, form.fields, file, view.onProgress, live.aborter.signal);
    const completed = await api.completeUpload(upload.sessionId, upload.uploadId);
    sending.delete(upload.uploadId);
    forgetFile(upload.uploadId);
    announce(`${file.name} uploaded; checking it now`);
    paint(row, completed);
  } catch (error) {
    if (live.paused) {
      paintSending(live);
      return;
    }
    if (live.aborter.signal.aborted) {
      await cancel(live);
      return;
    }
    // A part that failed every retry, or a refused complete: the bytes sent so far stay, Resume carries on.
    live.paused = true;
    live.problem = error instanceof ApiError ? describeError(error) : [h('p', {}, (error as Error).message)];
    paintSending(live);
  }
}

async function cancel(live: Sending): Promise<void> {
  const { upload, row } = live;
  try {
    await api.deleteUpload(upload.sessionId, upload.uploadId);
  } catch (error) {
    // Not deleted: the row stays, stopped, with the reason and Cancel to try again.
    live.paused = true;
    live.problem = describeError(error);
    paintSending(live);
    return;
  }
  sending.delete(upload.uploadId);
  forgetFile(upload.uploadId);
  announce(`Upload of ${upload.fileName} cancelled`);
  row.remove();
}

/** A row this page is sending or holds paused: bar, live figures, and Pause/Resume and Cancel. */
function paintSending(live: Sending): { onProgress: (progress: PartProgress) => void } {
  const { upload, file, row } = live;
  const progress = h('progress', { max: '100', value: '0', 'aria-label': `Uploading ${file.name}` });
  const figures = h('span', { class: 'meta', 'data-testid': 'upload-figures' }, '');
  const actions = h('div', { class: 'actions' });
  if (upload.multipart) {
    const toggle = h('button', { type: 'button', class: 'secondary' }, live.paused ? 'Resume' : 'Pause');
    toggle.setAttribute('aria-label', `${live.paused ? 'Resume' : 'Pause'} uploading ${file.name}`);
    toggle.addEventListener('click', () => {
      if (live.paused) {
        live.paused = false;
        live.problem = null;
        live.aborter = new AbortController();
        void send(live);
      } else {
        live.paused = true;
        live.aborter.abort();
      }
    });
    actions.append(toggle);
  }
  const stop = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  stop.setAttribute('aria-label', `Cancel uploading ${file.name}`);
  stop.addEventListener('click', () => {
    if (!live.paused) {
      live.aborter.abort();
      return;
    }
    void busy(stop, () => cancel(live));
  });
  actions.append(stop);
  const [state, label] = live.problem ? ['failed', upload.multipart ? 'Stopped: Resume tries again' : 'Failed']
    : live.paused ? ['paused', 'Paused'] : ['uploading', 'Uploading'];
  row.dataset.uploadId = upload.uploadId;
  row.replaceChildren(mainLine(upload), progress, h('span', { class: 'status status-pending', 'data-status': state }, label), figures,
    ...(live.problem ? [h('div', { class: 'reason', role: 'alert' }, ...live.problem)] : []), actions);

  const started = performance.now();
  let firstBytes: number | null = null;
  const onProgress = ({ sentBytes, totalBytes }: PartProgress) => {
    firstBytes ??= sentBytes; // parts sent before (resumed) are not this page's speed
    const percent = Math.floor((sentBytes / totalBytes) * 100);
    progress.value = percent;
    const seconds = (performance.now() - started) / 1000;
    const speed = seconds > 0.5 ? (sentBytes - firstBytes) / seconds : 0;
    const left = speed > 0 ? Math.ceil((totalBytes - sentBytes) / speed) : null;
    figures.textContent = `${percent} % · ${formatBytes(sentBytes)} of ${formatBytes(totalBytes)}` +
      (speed > 0 ? ` · ${formatBytes(speed)}/s` : '') + (left !== null ? ` · about ${left} s left` : '');
  };
  if (live.paused) void api.storedParts(upload.sessionId, upload.uploadId).then((held) => {
    if (!live.paused) return;
    onProgress({ sentBytes: held.parts.reduce((sum, part) => sum + part.size, 0), totalBytes: file.size });
  }, () => undefined);
  return { onProgress };
}

const statusText: Record<Upload['status'], string> = {
  pending: 'Waiting for the file', uploaded: 'Uploaded, queued for checking', processing: 'Checking and profiling', ready: 'Ready',
  rejected: 'Rejected', expired: 'Expired: upload it again',
};

function mainLine(upload: Upload): HTMLElement {
  return h('div', { class: 'upload-main' },
    h('span', { class: 'file-name' }, upload.fileName),
    h('span', { class: 'meta' }, `${formatBytes(upload.size ?? upload.declaredSize)} · ${formatDate(upload.createdAt)}`));
}

/**
 * A row from the server's status. A pending upload that no page is sending was interrupted (a reload, a
 * closed tab): a multipart one offers Resume with the same file, a single-form one can only be removed.
 */
function paint(row: HTMLLIElement, upload: Upload, problem?: string): void {
  const interrupted = upload.status === 'pending';
  const [state, label] = !interrupted ? [upload.status, statusText[upload.status]]
    : upload.multipart ? ['interrupted', 'Interrupted: pick the same file to resume'] : ['interrupted', 'Interrupted: upload it again'];
  const actions = h('div', { class: 'actions' });
  if (upload.status === 'ready') {
    actions.append(h('a', { class: 'button secondary', href: `#/sessions/${upload.sessionId}/uploads/${upload.uploadId}` }, 'View profile'));
  }
  if (upload.status === 'ready' || upload.status === 'processing' || upload.status === 'uploaded') {
    const download = h('button', { type: 'button', class: 'secondary' }, 'Download');
    download.addEventListener('click', () => busy(download, async () => {
      const link = await api.download(upload.sessionId, upload.uploadId);
      // A navigation, not a fetch: the link answers with Content-Disposition: attachment.
      window.location.assign(link.url);
    }));
    actions.append(download);
  }
  if (interrupted && upload.multipart) actions.append(resumeControl(row, upload));
  const remove = h('button', { type: 'button', class: 'danger' }, interrupted ? 'Remove' : 'Delete');
  remove.setAttribute('aria-label', `${interrupted ? 'Remove' : 'Delete'} ${upload.fileName}`);
  remove.addEventListener('click', async () => {
    if (!(await confirmAction(`Delete “${upload.fileName}”?`, 'Delete file'))) return;
    await busy(remove, async () => {
      await api.deleteUpload(upload.sessionId, upload.uploadId);
      forgetFile(upload.uploadId);
      announce(`${upload.fileName} deleted`);
      const list = row.parentElement;
      row.remove();
      if (list && !list.querySelector('.upload-item')) list.append(h('li', { class: 'empty' }, 'No files yet.'));
    });
  });
  actions.append(remove);
  row.dataset.uploadId = upload.uploadId;
  row.replaceChildren(mainLine(upload), h('span', { class: `status status-${upload.status}`, 'data-status': state }, label),
    ...(upload.reason ? [h('p', { class: 'reason' }, upload.reason)] : []),
    ...(problem ? [h('p', { class: 'reason', role: 'alert' }, problem)] : []), actions);
  if (!final.has(upload.status)) watch(row, upload);
}

/** Resume after a reload: the person picks the file again; only the same name, size and last-modified time is taken. */
function resumeControl(row: HTMLLIElement, upload: Upload): HTMLElement {
  const picker = h('input', { type: 'file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' });
  const resume = h('button', { type: 'button', class: 'secondary' }, 'Resume');
  resume.setAttribute('aria-label', `Resume uploading ${upload.fileName}`);
  resume.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    const file = picker.files?.[0];
    picker.value = '';
    if (!file) return;
    const modified = localStorage.getItem(modifiedKey(upload.uploadId));
    if (file.name !== upload.fileName || file.size !== upload.declaredSize || (modified !== null && modified !== String(file.lastModified))) {
      paint(row, upload, `That is not the same file. Pick “${upload.fileName}” (${formatBytes(upload.declaredSize)}) as it was when the upload started.`);
      return;
    }
    const live: Sending = { upload, file, row, aborter: new AbortController(), paused: false, problem: null };
    sending.set(upload.uploadId, live);
    announce(`Resuming ${file.name}`);
    void send(live);
  });
  return h('span', {}, resume, picker);
}

/** Polls a row that is not final until it is, while it is on screen and no page is sending it. */
function watch(row: HTMLLIElement, upload: Upload, delay = firstPollMilliseconds, deadline = Date.now() + pollDeadlineMilliseconds): void {
  window.setTimeout(async () => {
    if (!row.isConnected || sending.has(upload.uploadId) || row.dataset.uploadId !== upload.uploadId) return;
    let latest: Upload;
    try {
      latest = await api.upload(upload.sessionId, upload.uploadId);
    } catch {
      latest = upload; // a missed poll is tried again later; the row keeps what it showed
    }
    if (!row.isConnected || sending.has(upload.uploadId)) return;
    if (latest.status === upload.status) {
      if (Date.now() < deadline) watch(row, latest, Math.min(delay * 1.5, longestPollMilliseconds), deadline);
      return;
    }
    if (latest.status === 'ready') announce(`${latest.fileName} is ready`);
    if (latest.status === 'rejected') announce(`${latest.fileName} was rejected: ${latest.reason ?? ''}`);
    paint(row, latest);
  }, delay);
}

function postForm(url: string, fields: Record<string, string>, file: File, onProgress: (progress: PartProgress) => void,
  signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress({ sentBytes: Math.round((event.loaded / event.total) * file.size), totalBytes: file.size });
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new Error(`Storage refused the file: ${storageError(xhr.responseText) ?? `status ${xhr.status}`}.`));
    });
    xhr.addEventListener('error', () => reject(new Error('The upload to storage failed. Check your connection and try again.')));
    xhr.addEventListener('abort', () => reject(new DOMException('Cancelled', 'AbortError')));
    if (signal.aborted) {
      reject(new DOMException('Cancelled', 'AbortError'));
      return;
    }
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

function storageError(xml: string): string | null {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  return code === 'EntityTooLarge' ? 'the file is larger than allowed' : code ?? null;
}
