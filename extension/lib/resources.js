// The resources a page used (its stylesheets, images, fonts, frames ...), read from the user's
// own browser: fetched from the extension's service worker with the browser's cache and
// cookies, so that what a logged-in page showed comes along. Within a size budget: what does
// not fit is listed with the reason, so the archive says what it lacks.

export const MAX_RESOURCE_BYTES = 20 * 1000 * 1000; // one resource (a video is usually more)
export const BUDGET_BYTES = 30 * 1000 * 1000; // all of them (the server takes 50 MB of JSON)
const MAX_RESOURCES = 1500;
const TIMEOUT_MS = 15000;
const PARALLEL = 6;

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

async function fetchOne(url, budget) {
  let response;
  try {
    response = await fetch(url, {
      credentials: "include",
      cache: "force-cache",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return { url, skipped: "failed", detail: `could not be read: ${error.message}` };
  }
  const mimeType = response.headers.get("content-type");
  const declared = Number(response.headers.get("content-length") || 0);
  const limit = Math.min(MAX_RESOURCE_BYTES, budget.left);
  if (declared > limit) {
    return { url, status: response.status, mime_type: mimeType, size: declared,
             skipped: declared > MAX_RESOURCE_BYTES ? "too large" : "over budget",
             detail: `${declared} bytes; the extension sends at most ${limit} more` };
  }
  const body = await response.arrayBuffer();
  if (body.byteLength > limit) {
    return { url, status: response.status, mime_type: mimeType, size: body.byteLength,
             skipped: body.byteLength > MAX_RESOURCE_BYTES ? "too large" : "over budget",
             detail: `${body.byteLength} bytes; the extension sends at most ${limit} more` };
  }
  budget.left -= body.byteLength;
  return { url, status: response.status, mime_type: mimeType, body: toBase64(body) };
}

/** [{url, status, mime_type, body (base64)} or {url, skipped, detail}] for `urls`. */
export async function fetchResources(urls, budgetBytes = BUDGET_BYTES) {
  const budget = { left: budgetBytes };
  const wanted = [...new Set(urls)];
  const results = wanted.slice(MAX_RESOURCES).map((url) => (
    { url, skipped: "over budget", detail: `more than ${MAX_RESOURCES} resources` }));
  const queue = wanted.slice(0, MAX_RESOURCES);
  async function worker() {
    while (queue.length) {
      results.push(await fetchOne(queue.shift(), budget));
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return results;
}
