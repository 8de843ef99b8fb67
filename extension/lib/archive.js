// What the extension does: archive a tab or a link, and send what is waiting.
// Everything goes through the outbox first (lib/queue.js), so nothing is lost.

import { BackendError, ping, postCapture, postLink } from "./backend.js";
import { readPage } from "./page.js";
import { fetchResources } from "./resources.js";
import { enqueue, flush, waitingCount } from "./queue.js";
import { getSettings, normalizeServerUrl, SettingsError } from "./settings.js";
import { notify, recordSave, showBadge } from "./status.js";

export async function archiveTab(tab, tags = []) {
  await showBadge("saving");
  let page;
  try {
    page = await readPage(tab);
  } catch (error) {
    const key = crypto.randomUUID();
    await recordSave({ key, title: tab.title, url: tab.url, status: "failed", error: error.message });
    await showBadge("error");
    return { ok: false, error: error.message };
  }
  const key = crypto.randomUUID();
  const payload = {
    url: page.url,
    title: page.title,
    html: page.html,
    frames: page.frames,
    resources: await fetchResources(page.resources),
    screenshot: page.screenshot,
    tags,
    idempotency_key: key,
  };
  await enqueue({ key, kind: "capture", payload, title: page.title, url: page.url });
  await recordSave({ key, title: page.title, url: page.url, status: "saving" });
  return sendWaiting(key);
}

export async function archiveLink(url, tags = []) {
  await showBadge("saving");
  const key = crypto.randomUUID();
  const payload = { url, tags, idempotency_key: key };
  await enqueue({ key, kind: "link", payload, title: url, url });
  await recordSave({ key, title: url, url, status: "saving" });
  return sendWaiting(key);
}

/** Send everything waiting; resolves with what happened to `key` (if given). */
export async function sendWaiting(key = null) {
  const settings = await getSettings();
  const outcomes = new Map();
  const send = (item) =>
    item.kind === "link" ? postLink(settings, item.payload) : postCapture(settings, item.payload);
  await flush(send, async (item, outcome) => {
    outcomes.set(item.key, outcome);
    await report(item, outcome);
  });
  const waiting = await waitingCount();
  const last = [...outcomes.values()].pop();
  if (waiting) {
    await showBadge("waiting", waiting);
  } else if (last) {
    await showBadge(last.ok ? "saved" : "error");
  } else {
    await showBadge("idle");
  }
  const mine = outcomes.get(key);
  if (!mine) {
    return { ok: false, waiting, error: waiting ? "Waiting for the archiver server" : null };
  }
  return mine.ok
    ? { ok: true, waiting, answer: mine.answer }
    : { ok: false, waiting, error: mine.error.message };
}

async function report(item, outcome) {
  const base = { key: item.key, title: item.title, url: item.url };
  if (outcome.ok && item.kind === "link") {
    await recordSave({ ...base, status: "queued", jobId: outcome.answer.job.id });
    await notify(item.key, "Archive link: the server is capturing it", item.url);
  } else if (outcome.ok) {
    await recordSave({
      ...base,
      status: "saved",
      id: outcome.answer.id,
      pageId: outcome.answer.page_id,
      captureUrl: outcome.answer.url,
    });
    await notify(item.key, "Saved to your archive", item.title || item.url);
  } else {
    const status = outcome.final ? "failed" : "waiting";
    await recordSave({ ...base, status, error: outcome.error.message });
  }
}

/** Test connection with the values in the form (saved or not). */
export async function testConnection({ serverUrl, token }) {
  try {
    const settings = { serverUrl: normalizeServerUrl(serverUrl), token: String(token || "").trim() };
    return { ok: true, message: await ping(settings) };
  } catch (error) {
    if (error instanceof BackendError || error instanceof SettingsError) {
      return { ok: false, message: error.message, kind: error.kind || "settings" };
    }
    throw error;
  }
}
