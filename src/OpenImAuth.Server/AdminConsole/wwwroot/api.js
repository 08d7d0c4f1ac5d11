// The console's only way to the server: the public OpenIM routes, as any admin client calls them (POST, an
// operationID header, the admin token in the `token` header, a JSON body), and GET /metrics.
// The admin token lives in sessionStorage: this tab only, gone when the tab closes or on sign-out. The secret is sent
// once, in the body of /auth/get_admin_token, and never kept.

const KEY = 'openimauth.console.session';

// Token errors (expired, malformed, not yet valid, bad signature, kicked, unknown): the session is over.
const TOKEN_ERRORS = new Set([1501, 1503, 1504, 1505, 1506, 1507]);

let sequence = 0;

export class ApiError extends Error {
  constructor(code, message, detail) {
    super(detail ? `${message} (${code}): ${detail}` : `${message} (${code})`);
    this.code = code;
  }
}

export function currentSession() {
  try {
    const raw = sessionStorage.getItem(KEY);
    const session = raw ? JSON.parse(raw) : null;
    return session && session.expiresAt > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

export async function signIn(userID, secret) {
  const data = await post('/auth/get_admin_token', { secret, userID }, null);
  sessionStorage.setItem(KEY, JSON.stringify({
    userID,
    token: data.token,
    expiresAt: Date.now() + data.expireTimeSeconds * 1000,
  }));
}

/** Calls an admin route with this tab's token; a refused token ends the session (the app shows sign-in). */
export async function call(route, body) {
  const session = currentSession();
  if (!session) {
    signedOut('Your session has ended; sign in again.');
    throw new ApiError(1501, 'TokenExpiredError', 'sign in again');
  }
  try {
    return await post(route, body, session.token);
  } catch (error) {
    if (error instanceof ApiError && TOKEN_ERRORS.has(error.code)) {
      signedOut(`The server refused this session's token: ${error.message}. Sign in again.`);
    }
    throw error;
  }
}

function signedOut(reason) {
  forget();
  window.dispatchEvent(new CustomEvent('console:signed-out', { detail: reason }));
}

async function post(route, body, token) {
  const headers = { 'Content-Type': 'application/json', operationID: `console-${Date.now()}-${++sequence}` };
  if (token) {
    headers.token = token;
  }
  let response;
  try {
    response = await fetch(route, {
      method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store', credentials: 'omit',
    });
  } catch {
    throw new ApiError(-1, 'NetworkError', 'the server did not answer');
  }
  let envelope;
  try {
    envelope = await response.json();
  } catch {
    throw new ApiError(-1, `HTTP ${response.status}`, 'not an OpenIM answer');
  }
  if (envelope.errCode !== 0) {
    throw new ApiError(envelope.errCode, envelope.errMsg, envelope.errDlt);
  }
  return envelope.data;
}

/** GET /metrics as text, or null when this port does not serve it (off, or on prometheus.port only). */
export async function scrapeMetrics() {
  const response = await fetch('/metrics', { cache: 'no-store', credentials: 'omit' });
  return response.ok ? response.text() : null;
}
