// The console's API client: typed calls to [prefix]/app/api/v1/… with the session's CSRF token.
//
// The token lives in this module's memory only (never in storage, the URL or the DOM); the
// session cookie is HttpOnly and goes with every same-origin request by itself.
import { toUrl } from '../prefix';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Consumer = Schemas['Consumer'];
export type Audience = Schemas['Audience'];
export type PageInfo = Schemas['PageInfo'];
export type ExportJob = Schemas['ExportJob'];
export type ImportJob = Schemas['ImportJob'];
export type LoyaltyProgram = Schemas['LoyaltyProgram'];
export type ConsumerStats = Schemas['ConsumerStats'];
export type SortBy = Schemas['SortBy'];
export type SortDir = Schemas['SortDir'];
export type Status = Schemas['Status'];
export type Membership = Schemas['Membership'];
export type ExportField = Schemas['ExportField'];

/** The API's base URL as the browser calls it (with the mount prefix, see prefix.ts). */
export const API_BASE = toUrl('/app/api/v1');

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Set (or clear) the CSRF token sent on every call. Called by the session module only. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an API call answers 401: the session ended (expired, signed out elsewhere). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export interface FieldError {
  field: string;
  message: string;
}

/** An error answer of the API (or a network failure, status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly details: Record<string, unknown>[];
  readonly requestId: string | null;

  constructor(status: number, body: unknown, fallback: string) {
    const err = (body && typeof body === 'object' && 'error' in body
      ? (body as { error: Record<string, unknown> }).error
      : null) as Record<string, unknown> | null;
    super(typeof err?.message === 'string' && err.message ? err.message : fallback);
    this.name = 'ApiError';
    this.status = status;
    this.type = typeof err?.type === 'string' ? err.type : 'api_error';
    this.code = typeof err?.code === 'string' ? err.code : String(status);
    this.details = Array.isArray(err?.details) ? (err.details as Record<string, unknown>[]) : [];
    this.requestId = typeof err?.requestId === 'string' ? err.requestId : null;
  }

  /** Field errors keyed by field name ("body.email" → "email"; "body.address.city" → "address.city"). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) {
      if (typeof d.field !== 'string' || typeof d.message !== 'string') continue;
      const field = d.field.replace(/^(body|query|path)\./, '');
      out[field] = out[field] ? `${out[field]}; ${d.message}` : d.message;
    }
    return out;
  }

  /** Details that name no field, or a field not in `shown` (so they are not lost). */
  otherErrors(shown: readonly string[]): string[] {
    const fe = this.fieldErrors;
    const rest = Object.entries(fe).filter(([f]) => !shown.includes(f)).map(([f, m]) => `${f}: ${m}`);
    for (const d of this.details) {
      if (typeof d.field !== 'string' && typeof d.message === 'string') rest.push(d.message);
    }
    return rest;
  }

  get readOnly(): boolean {
    return this.status === 403 && this.code === 'read_only_key';
  }
}

// ---- typing over the generated schema -------------------------------------------------------

type Method = 'get' | 'post' | 'put' | 'delete';
type Strip<P> = P extends `/api/v1${infer R}` ? R : never;
/** API paths without the /api/v1 prefix, e.g. "/consumers/{id}". */
export type ApiPath = Strip<keyof paths>;
type Op<P extends ApiPath, M extends Method> = paths[`/api/v1${P}`][M];
type PathsFor<M extends Method> = {
  [P in ApiPath]: Op<P, M> extends { responses: unknown } ? P : never;
}[ApiPath];
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
type PathOf<O> = O extends { parameters: { path: infer X } } ? X : Record<string, never>;
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
type OkOf<O> = O extends { responses: infer R }
  ? R extends Record<number, unknown>
    ? JsonOf<R[200 & keyof R]> | JsonOf<R[201 & keyof R]> | JsonOf<R[202 & keyof R]>
    : never
  : never;

export interface CallOptions<O> {
  /** Values for the {placeholders} of the path. */
  path?: PathOf<O>;
  /** Query parameters; null, undefined and '' are left out. */
  query?: QueryOf<O>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function buildUrl(path: string, params?: Record<string, unknown>, query?: Record<string, unknown>): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === null || v === '') throw new Error(`Missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(v));
  });
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  return `${API_BASE}${filled}${s ? `?${s}` : ''}`;
}

/** A raw request to any same-origin URL with the CSRF header; JSON in, JSON (or null) out. */
export async function request<T>(
  method: string,
  url: string,
  body?: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal; auth?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: init.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, null, 'The server could not be reached. Check your connection and try again.');
  }
  const text = res.status === 204 ? '' : await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data, res.statusText || `Request failed (${res.status})`);
    if (res.status === 401 && init.auth !== false && onUnauthorized) onUnauthorized();
    throw err;
  }
  return data as T;
}

function call<M extends Method>(method: M) {
  return <P extends PathsFor<M>>(
    path: P,
    ...args: M extends 'get'
      ? [opts?: CallOptions<Op<P, M>>]
      : [body?: BodyOf<Op<P, M>>, opts?: CallOptions<Op<P, M>>]
  ): Promise<OkOf<Op<P, M>>> => {
    const [body, opts] = (method === 'get' ? [undefined, args[0]] : args) as [
      unknown,
      CallOptions<Op<P, M>> | undefined,
    ];
    const url = buildUrl(
      path,
      opts?.path as Record<string, unknown> | undefined,
      opts?.query as Record<string, unknown> | undefined,
    );
    return request(method.toUpperCase(), url, body, { headers: opts?.headers, signal: opts?.signal });
  };
}

/**
 * Typed API calls, paths as documented without /api/v1:
 *   api.get('/consumers', { query: { first: 20, search: 'ann' } })
 *   api.get('/consumers/{id}', { path: { id } })
 *   api.post('/consumers', { email }, { headers: { 'Idempotency-Key': key } })
 *   api.put('/audiences/{id}', { name }, { path: { id } })
 *   api.delete('/audiences/{id}', undefined, { path: { id } })
 */
export const api = {
  get: call('get'),
  post: call('post'),
  put: call('put'),
  delete: call('delete'),
};

/** Walk every page of a list, `first` at a time (stops when `signal` aborts or `limit` is met). */
export async function collectAll<T>(
  fetchPage: (after: string | null) => Promise<{ data: T[]; pageInfo: PageInfo }>,
  onProgress?: (count: number) => void,
  limit = Infinity,
): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await fetchPage(after);
    out.push(...page.data);
    onProgress?.(out.length);
    after = page.pageInfo.endCursor;
    if (!after || out.length >= limit) return out;
  }
}

/** A fresh Idempotency-Key for one user action. */
export function idempotencyKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
