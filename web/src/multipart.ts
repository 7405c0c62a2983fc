import { api, MultipartPlan } from './api';

/** Parts in flight at once: enough to fill a link, few enough not to starve the page's own requests. */
const parallelParts = 4;
/** Tries per part before the upload fails; waits double from half a second between them. */
const attemptsPerPart = 4;
/** URLs asked for per request (the API allows 100); few, because a URL lives at most 15 minutes. */
const urlsPerRequest = 8;

export interface PartProgress { sentBytes: number; totalBytes: number }

/**
 * Sends the parts storage does not hold yet (so it also resumes), 4 at a time, each retried with backoff.
 * Aborting the signal stops every part in flight. The server lists the parts itself on complete.
 */
export async function sendParts(sessionId: string, uploadId: string, file: Blob, plan: MultipartPlan,
  onProgress: (progress: PartProgress) => void, signal: AbortSignal): Promise<void> {
  const held = await api.storedParts(sessionId, uploadId);
  const sizeOf = (n: number) => (n < plan.partCount ? plan.partSize : file.size - (plan.partCount - 1) * plan.partSize);
  const done = new Set(held.parts.filter((p) => p.size === sizeOf(p.partNumber)).map((p) => p.partNumber));
  const queue = Array.from({ length: plan.partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
  let doneBytes = [...done].reduce((sum, n) => sum + sizeOf(n), 0);
  const inFlight = new Map<number, number>();
  const report = () => onProgress({ sentBytes: doneBytes + [...inFlight.values()].reduce((a, b) => a + b, 0), totalBytes: file.size });
  report();

  const urls = new Map<number, string>();
  const urlFor = async (n: number): Promise<string> => {
    if (!urls.has(n)) {
      const batch = [n, ...queue.slice(0, urlsPerRequest - 1)];
      for (const part of (await api.partUrls(sessionId, uploadId, batch)).parts) urls.set(part.partNumber, part.url);
    }
    return urls.get(n)!;
  };

  const worker = async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      const start = (n - 1) * plan.partSize;
      const body = file.slice(start, start + sizeOf(n));
      for (let attempt = 1; ; attempt++) {
        try {
          signal.throwIfAborted(); // an abort while a URL was being fetched must not start the part
          await putPart(await urlFor(n), body, signal, (loaded) => { inFlight.set(n!, loaded); report(); });
          break;
        } catch (error) {
          inFlight.delete(n);
          urls.delete(n); // an expired URL is the likeliest cause of a refusal; sign it afresh
          if (signal.aborted || attempt >= attemptsPerPart) throw error;
          await wait(500 * 2 ** (attempt - 1), signal);
        }
      }
      inFlight.delete(n);
      doneBytes += body.size;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelParts, Math.max(queue.length, 1)) }, worker));
}

function putPart(url: string, body: Blob, signal: AbortSignal, onLoaded: (bytes: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new DOMException('Cancelled', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.upload.addEventListener('progress', (event) => onLoaded(event.loaded));
    xhr.addEventListener('load', () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`Storage refused a part (status ${xhr.status}).`))));
    xhr.addEventListener('error', () => reject(new Error('Sending a part failed. Check your connection and try again.')));
    xhr.addEventListener('abort', () => reject(new DOMException('Cancelled', 'AbortError')));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

function wait(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => { window.clearTimeout(timer); reject(new DOMException('Cancelled', 'AbortError')); }, { once: true });
  });
}
