// The backend client: every request to the archiver server goes through here.
// Errors come back as BackendError with a `kind` that says what to do about them.

export class BackendError extends Error {
  /**
   * kind: "unreachable" | "auth" | "forbidden" | "not-archiver" | "server" | "rejected" |
   *       "settings"
   */
  constructor(kind, message, status = 0) {
    super(message);
    this.name = "BackendError";
    this.kind = kind;
    this.status = status;
  }

  /** Worth sending again later (the server is down or busy, or the token will be fixed). */
  get retryable() {
    return this.kind !== "rejected";
  }
}

const API = "/-/archiver/api/";
const TIMEOUT_MS = 120000;

// `what` names the request in a refusal: "The server refused this capture (...)".
async function call(settings, method, path, body, what = "this capture") {
  if (!settings.token) {
    throw new BackendError("settings", "No token yet: paste the output of `archiver token` into the options.");
  }
  const url = settings.serverUrl + API + path;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${settings.token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new BackendError(
      "unreachable",
      `Server not running: nothing answers at ${settings.serverUrl} (${error.message}). ` +
        "Start it with `archiver serve`.",
    );
  }
  return answer(settings, response, what);
}

async function answer(settings, response, what) {
  let data;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok && data && data.ok) {
    return data;
  }
  const said = data && typeof data.error === "string" ? data.error : `HTTP ${response.status}`;
  if (response.status === 401) {
    throw new BackendError("auth", `Wrong token: the server refused it (${said}).`, 401);
  }
  if (!data || typeof data.ok !== "boolean") {
    throw new BackendError(
      "not-archiver",
      `Not an archiver server: ${settings.serverUrl} answered HTTP ${response.status} ` +
        "without the archiver API. Check the Server URL (and port).",
      response.status,
    );
  }
  if (response.status === 403) {
    throw new BackendError("forbidden", `The server refused this browser (${said}).`, 403);
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    throw new BackendError("server", `The server had a problem (${said}).`, response.status);
  }
  throw new BackendError("rejected", `The server refused ${what} (${said}).`, response.status);
}

/** Test connection: resolves with a sentence saying it works, or throws a BackendError. */
export async function ping(settings) {
  const data = await call(settings, "GET", "ping");
  if (data.app !== "archiver") {
    throw new BackendError("not-archiver", `Not an archiver server at ${settings.serverUrl}.`);
  }
  return `Connected to archiver ${data.version} (database "${data.database}"). The token works.`;
}

export function postCapture(settings, payload) {
  return call(settings, "POST", "captures", payload);
}

export function postLink(settings, payload) {
  return call(settings, "POST", "archive-link", payload);
}

export function postWatch(settings, payload) {
  return call(settings, "POST", "watches", payload);
}

/** Is this URL in the archive? Resolves with {archived, page: {id, versions, tags, note, ...} | null}. */
export function findPage(settings, url) {
  return call(settings, "GET", `pages?url=${encodeURIComponent(url)}`, undefined, "to look up this page");
}

/** A page of the archive by its id: {page}. */
export function getPage(settings, pageId) {
  return call(settings, "GET", `pages/${encodeURIComponent(pageId)}`, undefined, "to look up this page");
}

/** Set a page's tags (replacing them) and note; `changes`: {tags?, note?}. Resolves with {page}. */
export function updatePage(settings, pageId, changes) {
  return call(settings, "POST", `pages/${encodeURIComponent(pageId)}`, changes, "these tags and note");
}
