// Reading the page: the live DOM (same-origin iframes inlined as srcdoc) and a screenshot of
// the visible area.

/** Runs inside the page (chrome.scripting): must not use anything from this module. */
function snapshotDocument() {
  const MAX_DEPTH = 4;
  function serialize(doc, depth) {
    const root = doc.documentElement.cloneNode(true);
    if (depth < MAX_DEPTH) {
      const live = doc.querySelectorAll("iframe, frame");
      const copies = root.querySelectorAll("iframe, frame");
      live.forEach((frame, index) => {
        try {
          const inner = frame.contentDocument;
          if (inner && inner.documentElement && copies[index]) {
            copies[index].setAttribute("srcdoc", serialize(inner, depth + 1));
          }
        } catch {
          // a cross-origin frame: kept as its src
        }
      });
    }
    const doctype = doc.doctype ? `<!DOCTYPE ${doc.doctype.name}>\n` : "";
    return doctype + root.outerHTML;
  }
  return { url: location.href, title: document.title, html: serialize(document, 0) };
}

export class PageError extends Error {}

export async function readPage(tab) {
  if (!/^https?:/.test(tab.url || "https:")) {
    throw new PageError(`Only web pages can be archived, not ${tab.url}`);
  }
  let results;
  try {
    results = await chrome.scripting.executeScript({
      target: { tabId: tab.id },
      func: snapshotDocument,
    });
  } catch (error) {
    throw new PageError(`This page cannot be read by the extension (${error.message})`);
  }
  const page = results[0].result;
  page.screenshot = await screenshot(tab);
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
