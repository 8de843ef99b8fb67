// The options page: a thin view. It sends messages; the service worker does the work.

import { ask, show } from "./lib/ui.js";

const form = document.getElementById("settings");
const serverUrl = document.getElementById("server-url");
const token = document.getElementById("token");

async function load() {
  const settings = await ask({ type: "get-settings" });
  serverUrl.value = settings.serverUrl;
  token.value = settings.token;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const saved = await ask({ type: "save-settings", serverUrl: serverUrl.value, token: token.value });
    serverUrl.value = saved.serverUrl;
    show("Saved.", "ok");
  } catch (error) {
    show(error.message, "error");
  }
});

document.getElementById("test").addEventListener("click", async (event) => {
  event.target.disabled = true;
  show("Testing …", "info");
  try {
    const result = await ask({ type: "test-connection", serverUrl: serverUrl.value, token: token.value });
    show(result.message, result.ok ? "ok" : "error");
  } catch (error) {
    show(error.message, "error");
  } finally {
    event.target.disabled = false;
  }
});

const allSites = document.getElementById("all-sites");
const ALL_SITES = { origins: ["<all_urls>"] };

allSites.addEventListener("change", async () => {
  // Asked from here, the page the user clicked on: a permission request needs that gesture.
  const granted = allSites.checked
    ? await chrome.permissions.request(ALL_SITES)
    : !(await chrome.permissions.remove(ALL_SITES));
  allSites.checked = granted;
  show(granted ? "Resources from other sites will be kept." :
    "Only resources from the archived page's own site will be kept.", "ok");
});

async function loadPermission() {
  allSites.checked = await chrome.permissions.contains(ALL_SITES);
}

load().then(loadPermission).catch((error) => show(error.message, "error"));
