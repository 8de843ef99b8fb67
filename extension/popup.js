// The popup: a thin view. It sends messages; the service worker does the work.

import { ask, show } from "./lib/ui.js";

const recentList = document.getElementById("recent");
const retry = document.getElementById("retry");
const LABELS = { saved: "Saved", waiting: "Waiting", saving: "Saving …", failed: "Failed", queued: "Queued on the server" };

async function targetTabId() {
  const fromUrl = new URLSearchParams(location.search).get("tabId");
  if (fromUrl) {
    return Number(fromUrl);
  }
  const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  return tab.id;
}

function entryItem(entry) {
  const item = document.createElement("li");
  const title = document.createElement(entry.captureUrl ? "a" : "span");
  title.className = "title";
  title.textContent = entry.title || entry.url;
  title.title = entry.url;
  if (entry.captureUrl) {
    title.href = entry.captureUrl;
    title.target = "_blank";
  }
  const status = document.createElement("span");
  status.className = `status ${entry.status}`;
  status.textContent = LABELS[entry.status] || entry.status;
  item.append(title, status);
  if (entry.error && entry.status !== "saved") {
    const detail = document.createElement("div");
    detail.className = "detail";
    detail.textContent = entry.error;
    item.append(detail);
  }
  return item;
}

async function refresh() {
  const { recent, waiting } = await ask({ type: "get-status" });
  recentList.replaceChildren(...recent.map(entryItem));
  if (!recent.length) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = "Nothing saved yet.";
    recentList.append(empty);
  }
  retry.hidden = !waiting;
  retry.textContent = `Retry now (${waiting} waiting)`;
}

document.getElementById("save-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const tags = document.getElementById("tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  show("Saving …", "info");
  try {
    const result = await ask({ type: "archive-tab", tabId: await targetTabId(), tags });
    if (result.ok) {
      show("Saved.", "ok");
    } else {
      show(result.error, result.waiting ? "info" : "error");
    }
  } catch (error) {
    show(error.message, "error");
  }
  await refresh();
});

retry.addEventListener("click", async () => {
  await ask({ type: "retry-now" });
  await refresh();
});

chrome.storage.onChanged.addListener(() => refresh());
refresh().catch((error) => show(error.message, "error"));
