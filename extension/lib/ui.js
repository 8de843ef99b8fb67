// Shared by the extension's pages (options, popup): they are thin views that show a status line
// and ask the service worker to do the work.

// Show `text` in the page's status line (`#message`); `kind` is "ok", "error" or "info".
export function show(text, kind) {
  const message = document.getElementById("message");
  message.textContent = text;
  message.className = `message ${kind}`;
}

// Send `request` to the service worker and return its result, or throw its error.
export async function ask(request) {
  const reply = await chrome.runtime.sendMessage(request);
  if (!reply || !reply.ok) {
    throw new Error(reply ? reply.error : "The extension did not answer");
  }
  return reply.result;
}
