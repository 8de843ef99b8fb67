// The service worker: it only wires listeners (registered at the top level, so that they are
// there whenever the worker wakes up). State lives in chrome.storage, logic in lib/.

import { archiveLink, archiveTab, sendWaiting, testConnection } from "./lib/archive.js";
import { lookupTab, pageById, setTagsAndNote } from "./lib/library.js";
import { RETRY_ALARM, waitingCount } from "./lib/queue.js";
import { getSettings, saveSettings } from "./lib/settings.js";
import { openNotification, recentSaves } from "./lib/status.js";
import { watchTab } from "./lib/watch.js";

const MENU_PAGE = "archive-page";
const MENU_LINK = "archive-link";
const MENU_POPUP = "open-popup";
const MENU_WATCH = "watch-page";

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.removeAll(() => {
    chrome.contextMenus.create({ id: MENU_PAGE, title: "Archive this page", contexts: ["page"] });
    chrome.contextMenus.create({ id: MENU_LINK, title: "Archive link", contexts: ["link"] });
    chrome.contextMenus.create({ id: MENU_WATCH, title: "Watch this page", contexts: ["page"] });
    chrome.contextMenus.create({
      id: MENU_POPUP,
      title: "Save with tags, recent saves …",
      contexts: ["action"],
    });
  });
});

chrome.runtime.onStartup.addListener(() => sendWaiting());

chrome.action.onClicked.addListener((tab) => archiveTab(tab));

chrome.commands.onCommand.addListener(async (command, tab) => {
  if (command === "archive-page") {
    const [active] = tab ? [tab] : await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    await archiveTab(active);
  }
});

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === MENU_PAGE) {
    return archiveTab(tab);
  }
  if (info.menuItemId === MENU_LINK) {
    return archiveLink(info.linkUrl);
  }
  if (info.menuItemId === MENU_WATCH) {
    return watchTab(tab);
  }
  if (info.menuItemId === MENU_POPUP) {
    const url = chrome.runtime.getURL(`popup.html?tabId=${tab.id}`);
    return chrome.windows.create({ url, type: "popup", width: 380, height: 640 });
  }
  return undefined;
});

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RETRY_ALARM) {
    return sendWaiting();
  }
  return undefined;
});

if (chrome.notifications) {
  chrome.notifications.onClicked.addListener((key) => openNotification(key));
}

const HANDLERS = {
  "get-settings": () => getSettings(),
  "save-settings": async (message) => {
    const saved = await saveSettings(message);
    sendWaiting(); // a fixed URL or token may let waiting captures through
    return saved;
  },
  "test-connection": (message) => testConnection(message),
  "get-status": async () => ({ recent: await recentSaves(), waiting: await waitingCount() }),
  "archive-tab": async (message) => archiveTab(await chrome.tabs.get(message.tabId), message.tags),
  "retry-now": () => sendWaiting(),
  "lookup-tab": (message) => lookupTab(message.tabId),
  "get-page": (message) => pageById(message.pageId),
  "update-page": (message) => setTagsAndNote(message.pageId, message.tags, message.note),
};

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = HANDLERS[message && message.type];
  if (!handler || sender.id !== chrome.runtime.id) {
    return false;
  }
  Promise.resolve(handler(message))
    .then((result) => sendResponse({ ok: true, result }))
    .catch((error) => sendResponse({ ok: false, error: error.message }));
  return true; // the answer comes asynchronously
});
