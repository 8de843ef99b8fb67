// The popup: a thin view. It sends messages; the service worker does the work.

import { ask, show } from "./lib/ui.js";

const recentList = document.getElementById("recent");
const retry = document.getElementById("retry");
const inArchive = document.getElementById("in-archive");
const saveButton = document.getElementById("save");
const saveTags = document.getElementById("save-tags");
const pageForm = document.getElementById("page-form");
const pageTags = document.getElementById("page-tags");
const pageNote = document.getElementById("page-note");
const LABELS = { saved: "Saved", waiting: "Waiting", saving: "Saving …", failed: "Failed", queued: "Queued on the server" };

let pageId = null; // the archive's page of this tab, once known: what the tags and note go to

async function targetTabId() {
  const fromUrl = new URLSearchParams(location.search).get("tabId");
  if (fromUrl) {
    return Number(fromUrl);
  }
  const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  return tab.id;
}

function splitTags(text) {
  return text.split(",").map((t) => t.trim()).filter(Boolean);
}

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// The line at the top: is this page in the archive? `kind` is "ok", "error" or "info".
function say(kind, ...parts) {
  inArchive.replaceChildren(...parts);
  inArchive.className = `in-archive ${kind}`;
}

function showPage(page) {
  pageId = page.id;
  const versions = page.versions === 1 ? "1 version" : `${page.versions} versions`;
  const reader = document.createElement("a");
  reader.href = page.reader_url;
  reader.target = "_blank";
  reader.textContent = "Open in the reader";
  const saved = page.last_captured ? `, last saved ${when(page.last_captured)}` : "";
  say("ok", `In your archive: ${versions}${saved}. `, reader);
  pageTags.value = page.tags.join(", ");
  pageNote.value = page.note || "";
  pageForm.hidden = false;
  saveTags.hidden = true; // tags now go to the page, in the form below
  saveButton.textContent = "Save a new version";
}

async function lookUp() {
  try {
    const found = await ask({ type: "lookup-tab", tabId: await targetTabId() });
    if (!found.web) {
      say("info", found.url ? "This tab shows no web page: only http(s) pages can be archived."
        : "The extension cannot see this tab's address: open this popup from the toolbar button's menu.");
    } else if (found.archived) {
      showPage(found.page);
    } else {
      say("info", "Not in your archive yet.");
    }
  } catch (error) {
    say("error", error.message);
  }
}

// After a save: the page it is a version of (the server's answer names it).
async function showSaved(answer) {
  if (!answer.page_id) {
    return lookUp(); // a server from before pages had ids in this answer
  }
  try {
    showPage(await ask({ type: "get-page", pageId: answer.page_id }));
  } catch (error) {
    say("error", error.message);
  }
  return undefined;
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
  const tags = splitTags(document.getElementById("tags").value);
  show("Saving …", "info");
  saveButton.disabled = true;
  try {
    const result = await ask({ type: "archive-tab", tabId: await targetTabId(), tags });
    if (result.ok) {
      show("Saved.", "ok");
      document.getElementById("tags").value = "";
      await showSaved(result.answer);
    } else {
      show(result.error, result.waiting ? "info" : "error");
    }
  } catch (error) {
    show(error.message, "error");
  } finally {
    saveButton.disabled = false;
  }
  await refresh();
});

pageForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("save-page");
  button.disabled = true;
  show("Saving tags and note …", "info");
  try {
    const page = await ask({ type: "update-page", pageId, tags: splitTags(pageTags.value), note: pageNote.value });
    showPage(page);
    show("Tags and note saved.", "ok");
  } catch (error) {
    show(error.message, "error");
  } finally {
    button.disabled = false;
  }
});

retry.addEventListener("click", async () => {
  await ask({ type: "retry-now" });
  await refresh();
});

chrome.storage.onChanged.addListener(() => refresh());
lookUp();
refresh().catch((error) => show(error.message, "error"));
