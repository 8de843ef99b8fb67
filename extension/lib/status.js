// What the user sees: the toolbar badge, the list of recent saves, notifications.

const RECENT_KEY = "recent";
const RECENT_MAX = 10;
const COLORS = { saving: "#6b7280", saved: "#15803d", waiting: "#b45309", error: "#b91c1c" };

export async function showBadge(state, waiting = 0) {
  const text = { saving: "…", saved: "✓", error: "!" }[state] ?? (waiting ? String(waiting) : "");
  const titles = {
    saving: "Archiving …",
    saved: "Saved to your archive",
    error: "The last capture failed: open the extension's popup for details",
    waiting: `${waiting} capture(s) waiting for the archiver server`,
  };
  await chrome.action.setBadgeText({ text });
  await chrome.action.setBadgeBackgroundColor({ color: COLORS[state] || COLORS.waiting });
  await chrome.action.setTitle({ title: titles[state] || "Archive this page" });
}

export async function recentSaves() {
  return (await chrome.storage.local.get(RECENT_KEY))[RECENT_KEY] || [];
}

/** entry: {key, title, url, status: "saving" | "waiting" | "saved" | "queued" | "failed", ...} */
export async function recordSave(entry) {
  const recent = (await recentSaves()).filter((each) => each.key !== entry.key);
  recent.unshift({ at: new Date().toISOString(), ...entry });
  await chrome.storage.local.set({ [RECENT_KEY]: recent.slice(0, RECENT_MAX) });
}

export async function notify(key, title, message) {
  if (!chrome.notifications) {
    return;
  }
  try {
    await chrome.notifications.create(key, {
      type: "basic",
      iconUrl: chrome.runtime.getURL("icons/icon-128.png"),
      title,
      message,
    });
  } catch (error) {
    console.warn("archiver: no notification:", error.message);
  }
}

/** A click on a "saved" notification opens the capture in Datasette. */
export async function openNotification(key) {
  const entry = (await recentSaves()).find((each) => each.key === key);
  if (entry && entry.captureUrl) {
    await chrome.tabs.create({ url: entry.captureUrl });
  }
}
