// The DOM of one frame as HTML, keeping what `page.content()` drops (archiver/capture/snapshot.py
// runs this in every frame after the screenshot, so that changing the live DOM here is harmless):
// - open shadow roots, serialized as declarative shadow DOM (<template shadowrootmode>), with
//   their adopted (constructed) stylesheets written out as <style> elements;
// - <style> elements whose rules were inserted through the CSSOM (CSS-in-JS), written out;
// - the current state of form fields (values, checked, selected), except passwords;
// - <canvas> contents as an image (data-archiver-canvas), and the image each <img> showed
//   (data-archiver-src: the srcset candidate the browser chose);
// - the charset declaration says what the text now is: UTF-8.
() => {
  const roots = [];
  const scopes = [document];
  for (let i = 0; i < scopes.length; i++) {
    for (const el of scopes[i].querySelectorAll("*")) {
      if (el.shadowRoot && el.shadowRoot.mode === "open") {
        roots.push(el.shadowRoot);
        scopes.push(el.shadowRoot);
      }
    }
  }
  const cssText = (sheet) => {
    try {
      return [...sheet.cssRules].map((rule) => rule.cssText).join("\n");
    } catch (e) {
      return null; // a cross-origin stylesheet: its <link> is kept, and its body archived
    }
  };
  for (const scope of scopes) {
    const adopted = scope.adoptedStyleSheets || [];
    if (adopted.length) {
      const style = document.createElement("style");
      style.setAttribute("data-archiver-adopted", "");
      style.textContent = adopted.map(cssText).filter(Boolean).join("\n");
      (scope === document ? document.head || document.documentElement : scope).prepend(style);
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
      } catch (e) { /* a tainted canvas cannot be read */ }
    }
    for (const img of scope.querySelectorAll("img")) {
      if (img.currentSrc) img.setAttribute("data-archiver-src", img.currentSrc);
    }
  }
  for (const meta of document.querySelectorAll("meta[charset], meta[http-equiv]")) {
    if (meta.hasAttribute("charset")) meta.setAttribute("charset", "utf-8");
    else if (meta.httpEquiv.toLowerCase() === "content-type") {
      meta.content = "text/html; charset=utf-8";
    }
  }
  const root = document.documentElement;
  if (!root) return "";
  const attributes = [...root.attributes]
    .map((a) => ` ${a.name}="${a.value.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}"`)
    .join("");
  const inner = root.getHTML ? root.getHTML({ serializableShadowRoots: true, shadowRoots: roots })
    : root.innerHTML;
  const doctype = document.doctype ? `<!DOCTYPE ${document.doctype.name}>` : "";
  return `${doctype}<html${attributes}>${inner}</html>`;
}
