// The page as the browser shows it, for the archive: shared by the extension (injected with
// chrome.scripting) and the archiver's own capture browser (archiver/capture/snapshot.js is a
// link to this file). Running it defines globalThis.archiverSnapshot(options), which returns
// {url, title, html, frames, resources}.
//
// The HTML keeps what `outerHTML` / `page.content()` drop:
// - open shadow roots, serialized as declarative shadow DOM (<template shadowrootmode>), with
//   their adopted (constructed) stylesheets written out as <style> elements;
// - <style> elements whose rules were inserted through the CSSOM (CSS-in-JS), written out;
// - the current state of form fields (values, checked, selected), except passwords;
// - <canvas> contents as an image (data-archiver-canvas), and the image each <img> showed
//   (data-archiver-src: the srcset candidate the browser chose);
// - the charset declaration says what the text now is: UTF-8.
// It changes the live DOM to do so (attributes, <style> text): run it after the screenshot.
//
// options.frames: also serialize same-origin frames (each <iframe> gets
//   data-archiver-frame="N"; frames[N] is its snapshot). The capture browser marks frames
//   itself, cross-origin ones included, and leaves this off.
// options.resources: also list the URLs the page used (resource timing, images, stylesheets
//   and their imports, CSS backgrounds, posters, icons), for the extension to fetch.
globalThis.archiverSnapshot = (options = {}) => {
  const MAX_FRAME_DEPTH = 4;
  const MAX_STYLED_ELEMENTS = 5000;

  function shadowScopes(doc) {
    const roots = [];
    const scopes = [doc];
    for (let i = 0; i < scopes.length; i++) {
      for (const el of scopes[i].querySelectorAll("*")) {
        if (el.shadowRoot && el.shadowRoot.mode === "open") {
          roots.push(el.shadowRoot);
          scopes.push(el.shadowRoot);
        }
      }
    }
    return { roots, scopes };
  }

  function cssText(sheet) {
    try {
      return [...sheet.cssRules].map((rule) => rule.cssText).join("\n");
    } catch {
      return null; // a cross-origin stylesheet: its <link> is kept, and its body archived
    }
  }

  function keepState(doc, scope) {
    const adopted = scope.adoptedStyleSheets || [];
    if (adopted.length) {
      const style = doc.createElement("style");
      style.setAttribute("data-archiver-adopted", "");
      style.textContent = adopted.map(cssText).filter(Boolean).join("\n");
      (scope === doc ? doc.head || doc.documentElement : scope).prepend(style);
    }
    for (const style of scope.querySelectorAll("style")) {
      const text = style.sheet ? cssText(style.sheet) : null;
      if (text !== null && text.trim() && !style.textContent.trim()) style.textContent = text;
    }
    for (const field of scope.querySelectorAll("input, textarea, select")) {
      if (field.type === "password") continue;
      if (field.tagName === "TEXTAREA") field.textContent = field.value;
      else if (field.tagName === "SELECT") {
        for (const option of field.options) option.toggleAttribute("selected", option.selected);
      } else if (field.type === "checkbox" || field.type === "radio") {
        field.toggleAttribute("checked", field.checked);
      } else if (field.type !== "file") field.setAttribute("value", field.value);
    }
    for (const canvas of scope.querySelectorAll("canvas")) {
      try {
        canvas.setAttribute("data-archiver-canvas", canvas.toDataURL("image/png"));
      } catch {
        // a tainted canvas cannot be read
      }
    }
    for (const img of scope.querySelectorAll("img")) {
      if (img.currentSrc) img.setAttribute("data-archiver-src", img.currentSrc);
    }
  }

  function sayUtf8(doc) {
    for (const meta of doc.querySelectorAll("meta[charset], meta[http-equiv]")) {
      if (meta.hasAttribute("charset")) meta.setAttribute("charset", "utf-8");
      else if (meta.httpEquiv.toLowerCase() === "content-type") {
        meta.content = "text/html; charset=utf-8";
      }
    }
  }

  function serialize(doc, roots) {
    const root = doc.documentElement;
    if (!root) return "";
    const attributes = [...root.attributes]
      .map((a) => ` ${a.name}="${a.value.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}"`)
      .join("");
    const inner = root.getHTML
      ? root.getHTML({ serializableShadowRoots: true, shadowRoots: roots })
      : root.innerHTML;
    const doctype = doc.doctype ? `<!DOCTYPE ${doc.doctype.name}>` : "";
    return `${doctype}<html${attributes}>${inner}</html>`;
  }

  const frames = [];

  function markFrames(doc, parent, depth) {
    if (!options.frames || depth >= MAX_FRAME_DEPTH) return;
    for (const element of doc.querySelectorAll("iframe, frame")) {
      let inner;
      try {
        inner = element.contentDocument; // null for a cross-origin frame: kept by its URL
      } catch {
        inner = null;
      }
      if (!inner || !inner.documentElement) continue;
      const position = frames.length;
      element.setAttribute("data-archiver-frame", String(position));
      frames.push({ position, parent, url: inner.location.href, html: "" });
      frames[position].html = snapshotOf(inner, position, depth + 1);
    }
  }

  function snapshotOf(doc, position, depth) {
    const { roots, scopes } = shadowScopes(doc);
    for (const scope of scopes) keepState(doc, scope);
    sayUtf8(doc);
    markFrames(doc, position, depth);
    return serialize(doc, roots);
  }

  function usedUrls(doc) {
    const found = new Set();
    const add = (value, base) => {
      try {
        const url = new URL(value, base || doc.baseURI);
        if (url.protocol === "http:" || url.protocol === "https:") {
          url.hash = "";
          found.add(url.href);
        }
      } catch {
        // not a URL
      }
    };
    for (const entry of performance.getEntriesByType("resource")) add(entry.name);
    for (const img of doc.images) add(img.currentSrc || img.src);
    for (const el of doc.querySelectorAll("video[poster]")) add(el.getAttribute("poster"));
    for (const link of doc.querySelectorAll("link[rel~=stylesheet], link[rel~=icon]")) {
      add(link.getAttribute("href"));
    }
    const sheets = (sheet, depth) => {
      if (depth > 4) return;
      if (sheet.href) add(sheet.href);
      let rules;
      try {
        rules = [...sheet.cssRules];
      } catch {
        return; // cross-origin, unreadable: its own URL is listed
      }
      for (const rule of rules) {
        if (rule.styleSheet) sheets(rule.styleSheet, depth + 1);
        for (const match of rule.cssText.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
          add(match[1], sheet.href || doc.baseURI);
        }
      }
    };
    for (const sheet of doc.styleSheets) sheets(sheet, 0);
    let styled = 0;
    for (const el of doc.querySelectorAll("*")) {
      if (++styled > MAX_STYLED_ELEMENTS) break;
      const background = getComputedStyle(el).backgroundImage;
      if (background && background !== "none") {
        for (const match of background.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
          add(match[1]);
        }
      }
    }
    for (const frame of doc.querySelectorAll("iframe[src], frame[src]")) {
      add(frame.getAttribute("src"));
    }
    return [...found];
  }

  const resources = options.resources ? usedUrls(document) : [];
  const html = snapshotOf(document, null, 0);
  return { url: location.href, title: document.title, html, frames, resources };
};
