// Reading the page: the live DOM and its same-origin frames (lib/snapshot.js, the same script
// the archiver's capture browser runs), the URLs of the resources it used, and a screenshot of
// the visible area.

export class PageError extends Error {}

export async function readPage(tab) {
  if (!/^https?:/.test(tab.url || "https:")) {
    throw new PageError(`Only web pages can be archived, not ${tab.url}`);
  }
  const shot = await screenshot(tab); // first: the snapshot script changes the live DOM
  let results;
  try {
    await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: ["lib/snapshot.js"] });
    results = await chrome.scripting.executeScript({
      target: { tabId: tab.id },
      func: (options) => globalThis.archiverSnapshot(options),
      args: [{ frames: true, resources: true }],
    });
  } catch (error) {
    throw new PageError(`This page cannot be read by the extension (${error.message})`);
  }
  const page = results[0].result;
  page.screenshot = shot;
  return page;
}

async function screenshot(tab) {
  try {
    return await chrome.tabs.captureVisibleTab(tab.windowId, { format: "png" });
  } catch (error) {
    console.warn("archiver: no screenshot:", error.message);
    return null;
  }
}
