// The page in the archive, for the popup: is the tab's page archived (how many versions, when),
// and its tags and note, read and set on the server. Asked for by the popup through the service
// worker; errors are BackendErrors whose message is a sentence the popup shows.

import { findPage, getPage, updatePage } from "./backend.js";
import { getSettings } from "./settings.js";

/**
 * What the archive holds for a tab: {web: false, url} for a tab that is no http(s) page (or
 * whose address the extension may not see), else {web: true, url, archived, page}.
 */
export async function lookupTab(tabId) {
  const tab = await chrome.tabs.get(tabId);
  if (!/^https?:/.test(tab.url || "")) {
    return { web: false, url: tab.url || null };
  }
  const { archived, page } = await findPage(await getSettings(), tab.url);
  return { web: true, url: tab.url, archived, page };
}

/** A page by its id (the one just saved). */
export async function pageById(pageId) {
  return (await getPage(await getSettings(), pageId)).page;
}

/** Replace a page's tags and set its note; resolves with the page as the server now has it. */
export async function setTagsAndNote(pageId, tags, note) {
  return (await updatePage(await getSettings(), pageId, { tags, note })).page;
}
