// "Watch this page": the server captures the page again on a schedule and reports changes
// (its Changes view and Atom feed). Sent at once, not through the outbox: the user sees
// right away whether the server took it.

import { postWatch } from "./backend.js";
import { getSettings } from "./settings.js";
import { notify, showBadge } from "./status.js";

export const DEFAULT_WATCH_INTERVAL = "1d";

export async function watchTab(tab) {
  const key = `watch-${crypto.randomUUID()}`;
  if (!tab || !/^https?:/.test(tab.url || "")) {
    await notify(key, "Cannot watch this page", "Only http(s) pages can be watched.");
    return { ok: false, error: "not an http(s) page" };
  }
  const settings = await getSettings();
  try {
    const answer = await postWatch(settings, { url: tab.url, every: DEFAULT_WATCH_INTERVAL });
    const title = answer.created ? "Watching this page" : "This page is watched already";
    await notify(key, title, `${tab.title || tab.url}: checked every day; changes at ` +
      `${settings.serverUrl}/-/archiver/`);
    await showBadge("saved");
    return { ok: true, answer };
  } catch (error) {
    await notify(key, "Could not watch this page", error.message);
    await showBadge("error");
    return { ok: false, error: error.message };
  }
}
