// Settings: the archiver server's URL and the token. Kept in storage.local (never synced:
// the token is a secret). The only module that reads or writes them.

export const DEFAULT_SERVER_URL = "http://127.0.0.1:8001";

export class SettingsError extends Error {}

/** "http://host:port/" -> "http://host:port"; throws SettingsError when it is no http(s) URL. */
export function normalizeServerUrl(value) {
  const text = String(value ?? "").trim() || DEFAULT_SERVER_URL;
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new SettingsError(`Server URL "${text}" is not a URL (example: ${DEFAULT_SERVER_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SettingsError(`Server URL must start with http:// or https://, not ${url.protocol}`);
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

export async function getSettings() {
  const stored = await chrome.storage.local.get(["serverUrl", "token"]);
  return {
    serverUrl: stored.serverUrl || DEFAULT_SERVER_URL,
    token: stored.token || "",
  };
}

export async function saveSettings({ serverUrl, token }) {
  const settings = {
    serverUrl: normalizeServerUrl(serverUrl),
    token: String(token ?? "").trim(),
  };
  await chrome.storage.local.set(settings);
  return settings;
}
