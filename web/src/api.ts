// The API client. The CSRF token lives in this module's memory only: after a reload it comes again from
// GET /api/me. The sign-in cookie is HttpOnly, so script never sees it, and nothing goes to web storage.

export interface Me { userId: string; email: string; roles: string[]; csrfToken: string }
export interface Session { sessionId: string; name: string; createdAt: string; updatedAt: string; expiresAt: string }
export interface Upload {
  uploadId: string; sessionId: string; fileName: string; contentType: string; declaredSize: number; size: number | null;
  status: 'pending' | 'uploaded' | 'processing' | 'ready' | 'rejected' | 'expired'; reason: string | null;
  createdAt: string; updatedAt: string; expiresAt: string; multipart?: MultipartPlan;
}
export interface MultipartPlan { partSize: number; partCount: number }
export interface PartUrl { partNumber: number; url: string; expiresAt: string }
export interface StoredParts extends MultipartPlan { parts: { partNumber: number; size: number; etag: string }[] }
export interface Page<T> { items: T[]; nextCursor: string | null }
/** Exactly one of upload (one form POST) and multipart (parts, whose URLs are asked for separately) is set. */
export interface CreatedUpload {
  uploadId: string; upload?: { url: string; fields: Record<string, string> }; multipart?: MultipartPlan; expiresAt: string;
}
export interface Histogram { min: number; max: number; counts: number[] }
export interface Quantiles {
  exact: boolean; rankError: number;
  p01: number | string; p05: number | string; p25: number | string; p50: number | string; p75: number | string; p95: number | string; p99: number | string;
}
export interface ColumnProfile {
  name: string; type: string; nullCount: number; distinctEstimate: number; distinctExact: boolean; distinctStandardError: number;
  min: number | string | null; max: number | string | null; mean: number | null; stdDev: number | null;
  quantiles: Quantiles | null; lengths: { min: number; max: number; mean: number } | null; booleans: { true: number; false: number } | null;
  topValues: { value: string; count: number; minCount: number }[]; topValuesStatus: 'exact' | 'bounded' | 'allDistinct';
  topValuesExactUpTo: number; histogram: Histogram | null;
}
export interface ProfileAlert { column: string; kind: string; message: string }
export interface TableProfile {
  name: string; format: string; rowCount: number; columns: ColumnProfile[]; preview: (string | null)[][]; alerts: ProfileAlert[];
}
export interface FileProfile { tables: TableProfile[] }

/** A problem+json answer (or a network failure), with what the person needs to act on it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly requestId: string | null,
    readonly fieldErrors: Record<string, string[]>,
    readonly retryAfterSeconds: number | null,
  ) {
    super(title);
  }
}

/** The sign-in ended (signed out elsewhere, expired): the page has already gone back to sign-in and said so. */
export class SignInEndedError extends ApiError {}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => {};

export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export function forgetSignIn(): void {
  csrfToken = null;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'The service cannot be reached. Check your connection and try again.', null, {}, null);
  }
  if (response.ok) {
    // 204, and a 202 without a body, have nothing to parse.
    const text = response.status === 204 ? '' : await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
  const problem = await readProblem(response);
  // A sign-in that ended elsewhere (sign out everywhere, expiry) sends the page back to sign-in.
  if (response.status === 401 && path !== '/api/auth/login' && path !== '/api/me') {
    csrfToken = null;
    onSignedOut();
    throw new SignInEndedError(problem.status, problem.title, problem.requestId, {}, null);
  }
  throw problem;
}

async function readProblem(response: Response): Promise<ApiError> {
  let title = `The request failed (${response.status}).`;
  let requestId = response.headers.get('X-Request-Id');
  let fieldErrors: Record<string, string[]> = {};
  try {
    const problem = (await response.json()) as { title?: string; requestId?: string; errors?: Record<string, string[]> };
    title = problem.title ?? title;
    requestId = problem.requestId ?? requestId;
    fieldErrors = problem.errors ?? {};
  } catch {
    // Not problem+json (a proxy's page, say): the status and the header's request id still help.
  }
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return new ApiError(response.status, title, requestId, fieldErrors, Number.isFinite(retryAfter) ? retryAfter : null);
}

const segment = encodeURIComponent;

export const api = {
  async me(): Promise<Me | null> {
    try {
      const me = await request<Me>('GET', '/api/me');
      csrfToken = me.csrfToken;
      return me;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  register: (email: string, password: string) => request<{ status: string }>('POST', '/api/auth/register', { email, password }),
  verifyEmail: (token: string) => request<void>('POST', '/api/auth/verify-email', { token }),
  requestReset: (email: string) => request<void>('POST', '/api/auth/password-reset/request', { email }),
  resetPassword: (token: string, password: string) => request<void>('POST', '/api/auth/password-reset', { token, password }),
  async login(email: string, password: string): Promise<Me> {
    const me = await request<Me>('POST', '/api/auth/login', { email, password });
    csrfToken = me.csrfToken;
    return me;
  },
  logout: () => request<void>('POST', '/api/auth/logout'),
  logoutEverywhere: () => request<void>('POST', '/api/auth/logout-all'),
  changePassword: (currentPassword: string, newPassword: string) => request<void>('POST', '/api/auth/password', { currentPassword, newPassword }),
  deleteAccount: (password: string) => request<void>('DELETE', '/api/me', { password }),
  sessions: (cursor?: string) => request<Page<Session>>('GET', '/api/sessions' + (cursor ? `?cursor=${segment(cursor)}` : '')),
  session: (id: string) => request<Session>('GET', `/api/sessions/${segment(id)}`),
  createSession: (name: string) => request<Session>('POST', '/api/sessions', { name }),
  renameSession: (id: string, name: string) => request<Session>('PATCH', `/api/sessions/${segment(id)}`, { name }),
  deleteSession: (id: string) => request<void>('DELETE', `/api/sessions/${segment(id)}`),
  uploads: (sessionId: string, cursor?: string) =>
    request<Page<Upload>>('GET', `/api/sessions/${segment(sessionId)}/uploads` + (cursor ? `?cursor=${segment(cursor)}` : '')),
  upload: (sessionId: string, uploadId: string) => request<Upload>('GET', `/api/sessions/${segment(sessionId)}/uploads/${segment(uploadId)}`),
  createUpload: (sessionId: string, fileName: string, contentType: string, size: number) =>
    request<CreatedUpload>('POST', `/api/sessions/${segment(sessionId)}/uploads`, { fileName, contentType, size }),
  partUrls: (sessionId: string, uploadId: string, partNumbers: number[]) =>
    request<{ parts: PartUrl[] }>('POST', `/api/sessions/${segment(sessionId)}/uploads/${segment(uploadId)}/parts`, { partNumbers }),
  storedParts: (sessionId: string, uploadId: string) =>
    request<StoredParts>('GET', `/api/sessions/${segment(sessionId)}/uploads/${segment(uploadId)}/parts`),
  completeUpload: (sessionId: string, uploadId: string) =>
    request<Upload>('POST', `/api/sessions/${segment(sessionId)}/uploads/${segment(uploadId)}/complete`),
  profile: (sessionId: string, uploadId: string) =>
    request<FileProfile>('GET', `/api/sessions/${segment(sessionId)}/uploads/${segment(uploadId)}/profile`),
  download: (sessionId: string, uploadId: string) =>
    request<{ url: string; expiresAt: string }>('GET', `/api/sessions/${segment(sessionId)}/uploads/${segment(uploadId)}/download`),
  deleteUpload: (sessionId: string, uploadId: string) => request<void>('DELETE', `/api/sessions/${segment(sessionId)}/uploads/${segment(uploadId)}`),
};
