// Fallback for cookie/consent prompts that no autoconsent rule recognised.
// Evaluated by archiver/consent.py as `page.evaluate(source, mode)`; no dependencies.
//
// Structure first: a prompt is a visible fixed/sticky box (or modal dialog) of a real size;
// its text, attributes, buttons or iframe must then say it is about cookies/consent.
// Modes:
//   "probe"   report the prompts seen, change nothing
//   "watch"   the same, then tell Python (through its binding) when that changes, and once
//             when the page is quiet: no DOM change for QUIET ms and autoconsent's detection
//             done (see watch())
//   "reject"  click a visible reject / "only necessary" button in each prompt
//   "remove"  remove the prompts, their backdrops, and release the scroll lock
//   "cleanup" remove consent UI left hidden in the DOM (so the HTML snapshot holds no prompt)
//   "inline"  remove consent notices placed in the page's flow (not fixed, not a dialog), by
//             the extractor's rules: a consent container (attributes), or a short block whose
//             text is about consent and that holds an accept button; an article *about*
//             cookies is long and has no accept button, and stays
(mode) => {
  const STRONG = new RegExp([
    "cookie", "consent", "gdpr", "dsgvo", "rgpd", "einwillig", "zustimm", "consenso",
    "toestemming", "zgod[aęyę]", "samtyck", "samtykk", "suostum", "ciasteczk", "kakor",
    "evästeit", "sütik", "souhlas", "súhlas", "privacy settings", "privacy choices",
  ].join("|"), "i");
  const MEDIUM = new RegExp([
    "privacy", "datenschutz", "vie privée", "confidentialité", "privacidad", "riservatezza",
    "privacidade", "prywatno", "integritet", "personal data", "personenbezogen",
    "données personnelles", "datos personales", "dati personali", "persoonsgegevens",
    "dane osobowe", "personuppgift", "personoplysning", "tracking", "partner", "vendor",
    "anbieter", "partenaires", "socios", "fornitori", "advertis", "werbung", "publicité",
    "publicidad", "pubblicità", "tcf", "iab",
  ].join("|"), "i");
  const ACCEPT = new RegExp([
    "accept", "agree", "allow", "got it", "^ok", "understood", "akzeptier", "zustimmen",
    "einverstanden", "annehmen", "erlauben", "accepter", "j'accepte", "d'accord", "aceptar",
    "acepto", "accett", "accetto", "accepteren", "akkoord", "toestaan", "aceitar", "aceito",
    "akceptuj", "zgadzam", "godkänn", "acceptera", "tillåt", "tillad", "accepter",
    "hyväksy", "souhlasím", "elfogad",
  ].join("|"), "i");
  const REJECT = new RegExp([
    "reject", "decline", "deny", "refuse", "disagree", "only (strictly )?(necessary|essential|required)",
    "(necessary|essential|required) (cookies )?only", "continue without (accepting|agreeing)",
    "do not (accept|consent|agree)", "ablehnen", "verweigern",
    "nur (notwendige|erforderliche|essenzielle|essentielle|technisch)",
    "ohne (zustimmung|einwilligung|akzeptieren)", "refuser", "continuer sans accepter",
    "je refuse", "rechaz", "solo (las )?(necesarias|esenciales)", "continuar sin aceptar",
    "rifiut", "solo (i )?(necessari|essenziali|tecnici)", "continua senza accettare", "weiger",
    "alleen (noodzakelijke|functionele|essentiële)", "rejeitar", "recusar",
    "apenas (os )?(necessários|essenciais)", "odrzu", "tylko (niezbędne|wymagane|konieczne)",
    "avvisa", "avböj", "neka", "endast nödvändiga", "afvis", "kun nødvendige", "hylkää",
    "vain välttämättömät", "odmítnout", "elutasít", "respinge", "απόρριψη",
  ].join("|"), "i");
  const SETTINGS = /settings|manage|customi[sz]e|preferences|options|einstellungen|anpassen|paramètres|personnaliser|configur|impostazioni|personalizza|instellingen|beheren|definições|ustawienia|inställningar|indstillinger|details|more info|mehr info|learn more/i;
  const ATTR = /cookie|consent|gdpr|cmp|privacy|onetrust|didomi|cybot|usercentrics|qc-cmp|sp_message|truste|cookiebanner|tcf/i;
  const BACKDROP = /overlay|backdrop|filter|dim|underlay|modal|shade|mask|curtain/i;
  const MAX_TEXT = 6000;

  const vw = window.innerWidth;
  const vh = window.innerHeight;

  function allElements() {
    const out = [];
    const visit = (root) => {
      for (const el of root.querySelectorAll("*")) {
        out.push(el);
        if (el.shadowRoot) visit(el.shadowRoot);
      }
    };
    if (document.documentElement) visit(document);
    return out;
  }

  function composedParent(el) {
    if (el.parentElement) return el.parentElement;
    const root = el.getRootNode();
    return root && root.host ? root.host : null;
  }

  function rendered(el) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") return null;
    if (parseFloat(style.opacity) < 0.1) return null;
    if (!shown(el)) return null;
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) return null;
    if (box.right <= 0 || box.bottom <= 0 || box.left >= vw || box.top >= vh) return null;
    return { style, box };
  }

  // Hidden by CSS (display, visibility, opacity) here or in an ancestor; size is not a test:
  // a CMP's zero-height root can hold a visible fixed banner.
  function shown(el) {
    return el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  }

  function deepText(el) {
    let text = el.innerText || "";
    const hosts = [el, ...el.querySelectorAll("*")].filter((e) => e.shadowRoot);
    for (const host of hosts) {
      for (const child of host.shadowRoot.children) {
        text += " " + (child.innerText || "");
        if (text.length > MAX_TEXT * 2) return text;
      }
    }
    return text;
  }

  function deepQuery(el, selector) {
    const found = [...el.querySelectorAll(selector)];
    for (const host of [el, ...el.querySelectorAll("*")]) {
      if (host.shadowRoot) found.push(...deepQuery(host.shadowRoot, selector));
    }
    return found;
  }

  function label(el) {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    return text.replace(/\s+/g, " ");
  }

  // Buttons a prompt answers with; links that lead to another page are not among them.
  function clickables(el) {
    const selector = "button, [role=button], a, input[type=button], input[type=submit]";
    return deepQuery(el, selector)
      .filter((b) => rendered(b) && label(b).length <= 60 && staysOnPage(b));
  }

  function isModal(el, style) {
    return el.tagName === "DIALOG" || /dialog/i.test(el.getAttribute("role") || "")
      || el.getAttribute("aria-modal") === "true" || parseInt(style.zIndex, 10) > 100;
  }

  function consentIframe(el) {
    return deepQuery(el, "iframe").some((f) => ATTR.test(
      [f.src, f.id, f.name, f.title, f.className].join(" ")) || /sourcepoint|sp-prod/.test(f.src));
  }

  function attrs(el) {
    return [el.id, typeof el.className === "string" ? el.className : "",
      el.getAttribute("aria-label") || "", el.getAttribute("aria-labelledby") || ""].join(" ");
  }

  // Is this fixed/sticky box a consent prompt? Needs something specific to consent
  // (its text, attributes or iframe) plus enough supporting evidence.
  function isPrompt(el, style) {
    const text = deepText(el);
    const iframe = consentIframe(el);
    if (text.length > MAX_TEXT && !iframe) return false;
    const strong = STRONG.test(text);
    const attr = ATTR.test(attrs(el));
    if (!strong && !attr && !iframe) return false;
    const buttons = clickables(el).map(label);
    let score = (strong ? 2 : 0) + (attr ? 2 : 0) + (iframe ? 4 : 0);
    score += MEDIUM.test(text) ? 1 : 0;
    score += buttons.some((b) => ACCEPT.test(b) || REJECT.test(b)) ? 2 : 0;
    score += isModal(el, style) ? 1 : 0;
    return score >= 4;
  }

  function bigEnough(box) {
    return box.width >= 120 && box.height >= 30 && box.width * box.height >= vw * vh * 0.02;
  }

  function positioned(style) {
    return style.position === "fixed" || style.position === "sticky";
  }

  function hasChosenAncestor(el, chosen) {
    for (let p = composedParent(el); p; p = composedParent(p)) {
      if (chosen.has(p)) return true;
    }
    return false;
  }

  function findPrompts() {
    const chosen = new Set();
    for (const el of allElements()) {
      if (hasChosenAncestor(el, chosen)) continue;
      const style = getComputedStyle(el);
      const modalDialog = el.tagName === "DIALOG" && el.open;
      if (!positioned(style) && !modalDialog) continue;
      const seen = rendered(el);
      if (!seen || !bigEnough(seen.box)) continue;
      if (isPrompt(el, seen.style)) chosen.add(el);
    }
    return [...chosen];
  }

  function findBackdrops() {
    return allElements().filter((el) => {
      const seen = rendered(el);
      if (!seen || seen.style.position !== "fixed") return false;
      const covers = seen.box.width * seen.box.height >= vw * vh * 0.6;
      const empty = deepText(el).trim().length < 30 && !el.querySelector("img, video, iframe, canvas");
      return covers && empty && (BACKDROP.test(attrs(el)) || ATTR.test(attrs(el))
        || seen.style.backgroundColor !== "rgba(0, 0, 0, 0)");
    });
  }

  function staysOnPage(button) {
    if (button.tagName !== "A") return true;
    const href = button.getAttribute("href");
    return !href || href.startsWith("#") || href.startsWith("javascript:");
  }

  function rejectButton(prompt) {
    return clickables(prompt).find((b) => {
      const text = label(b);
      return REJECT.test(text) && !SETTINGS.test(text);
    });
  }

  function describe(prompt) {
    return {
      tag: prompt.tagName.toLowerCase(),
      id: prompt.id || null,
      text: deepText(prompt).trim().replace(/\s+/g, " ").slice(0, 120),
      reject: (rejectButton(prompt) && label(rejectButton(prompt))) || null,
    };
  }

  function releaseScrollLock() {
    let released = false;
    for (const el of [document.documentElement, document.body]) {
      if (!el) continue;
      const style = getComputedStyle(el);
      if (style.overflow.includes("hidden") || style.overflowY === "hidden") {
        el.style.setProperty("overflow", "visible", "important");
        el.style.setProperty("overflow-y", "visible", "important");
        released = true;
      }
      if (style.position === "fixed") {
        const top = -parseInt(style.top || "0", 10) || 0;
        el.style.setProperty("position", "static", "important");
        el.style.setProperty("top", "auto", "important");
        window.scrollTo(0, top);
        released = true;
      }
    }
    return released;
  }

  function removePrompts() {
    const prompts = findPrompts();
    const found = prompts.map(describe);
    prompts.forEach((p) => p.remove());
    const backdrops = prompts.length ? findBackdrops() : [];
    backdrops.forEach((b) => b.remove());
    const unlocked = prompts.length ? releaseScrollLock() : false;
    return { prompts: found, removed: prompts.length, backdrops: backdrops.length, unlocked };
  }

  function clickRejects() {
    const clicked = [];
    for (const prompt of findPrompts()) {
      const button = rejectButton(prompt);
      if (button) {
        clicked.push(label(button));
        button.click();
      }
    }
    return { clicked };
  }

  // Consent UI that is no longer shown but still in the DOM (a CMP hides rather than removes).
  function cleanupHidden() {
    const removed = [];
    for (const el of allElements()) {
      if (!el.isConnected || !ATTR.test(attrs(el))) continue;
      if (["HTML", "BODY", "HEAD", "SCRIPT", "STYLE", "LINK", "META"].includes(el.tagName)) continue;
      if (shown(el)) continue;
      const text = el.textContent || "";
      if (text.length > MAX_TEXT * 4 || !STRONG.test(text)) continue;
      removed.push(el.id || el.tagName.toLowerCase());
      el.remove();
    }
    const backdrops = findBackdrops().filter((b) => ATTR.test(attrs(b)));
    backdrops.forEach((b) => b.remove());
    return { removed, backdrops: backdrops.length, unlocked: releaseScrollLock() };
  }

  // Visible somewhere on the page (not only in the viewport): in-flow notices can be far down.
  function onPage(el) {
    if (!shown(el)) return false;
    const box = el.getBoundingClientRect();
    return box.width >= 1 && box.height >= 1;
  }

  const INLINE_STOP = ["BODY", "HTML", "ARTICLE", "MAIN"];
  const INLINE_MAX_TEXT = 1200;

  function inlineContainer(button) {
    let found = null;
    for (let p = composedParent(button); p && !INLINE_STOP.includes(p.tagName);
      p = composedParent(p)) {
      const text = deepText(p);
      if (text.length > INLINE_MAX_TEXT || p.querySelectorAll("p").length > 4) break;
      if (STRONG.test(text)) found = p;
    }
    return found;
  }

  // A page *about* cookies and consent mentions them all along, not only in the notice: its
  // quoted examples stay.
  function aboutConsent(container) {
    let scope = composedParent(container);
    while (scope && !INLINE_STOP.includes(scope.tagName)) scope = composedParent(scope);
    const all = deepText(scope || document.body);
    const own = deepText(container);
    const rest = all.replace(own, " ");
    const mentions = rest.match(new RegExp(STRONG.source, "gi")) || [];
    return mentions.length >= 3;
  }

  function findInline() {
    const found = new Set();
    const selector = "button, [role=button], a, input[type=button], input[type=submit]";
    for (const button of deepQuery(document, selector)) {
      const text = label(button);
      if (!onPage(button) || text.length > 40 || !staysOnPage(button)) continue;
      if (!ACCEPT.test(text) && !REJECT.test(text)) continue;
      const container = inlineContainer(button);
      if (container && !hasChosenAncestor(container, found)) found.add(container);
    }
    for (const el of allElements()) {
      if (found.has(el) || hasChosenAncestor(el, found) || !ATTR.test(attrs(el))) continue;
      if (INLINE_STOP.includes(el.tagName) || !onPage(el)) continue;
      const text = deepText(el);
      if (text.length <= INLINE_MAX_TEXT && STRONG.test(text) && clickables(el).length) {
        found.add(el);
      }
    }
    return [...found].filter((notice) => !aboutConsent(notice));
  }

  function removeInline() {
    const notices = findInline();
    const removed = notices.map((n) => deepText(n).trim().replace(/\s+/g, " ").slice(0, 80));
    notices.forEach((n) => n.remove());
    return { removed };
  }

  // "watch": probe, then keep probing in the page (after DOM changes, and every WATCH_EVERY
  // ms for what changes without one) and call Python only when the answer changes: polling
  // from Python would cost a round trip through the driver every time. Any later call stops it.
  // It also says once that the page is quiet: nothing added, removed, shown or hidden for
  // QUIET ms, and autoconsent (when it runs here) through its first detection pass over every
  // rule and into the next (which it starts only after a DOM change).
  const WATCH = "__archiverConsentWatch";
  const WATCH_EVERY = 500;
  const WATCH_GAP = 150;
  const WATCH_LIMIT = 20000;
  const QUIET = 500;
  const QUIET_EVERY = 100;

  function autoconsentDone() {
    if (typeof window.autoconsentReceiveMessage !== "function") return true;  // not running
    const state = window.__archiverAutoconsentState;  // kept by the handler's SEND_JS
    return Boolean(state) && (state.lifecycle === "nothingDetected" || state.findCmpAttempts >= 2);
  }

  function watch(send, seen) {
    let present = seen;
    let timer = null;
    let last = performance.now();
    let changed = performance.now();
    let quiet = false;
    const check = () => {
      timer = null;
      last = performance.now();
      const now = findPrompts().length > 0;
      if (now !== present) {
        present = now;
        send({ type: "archiverPrompts", present });
      }
    };
    const soon = () => {
      if (timer === null) timer = setTimeout(check, Math.max(0, WATCH_GAP - (performance.now() - last)));
    };
    const observer = new MutationObserver(() => {
      changed = performance.now();
      soon();
    });
    observer.observe(document, { subtree: true, childList: true, attributes: true,
      attributeFilter: ["class", "style", "hidden", "open", "aria-hidden", "aria-modal"] });
    const every = setInterval(soon, WATCH_EVERY);
    const calm = setInterval(() => {
      if (quiet || timer !== null || performance.now() - changed < QUIET || !autoconsentDone()) return;
      quiet = true;
      clearInterval(calm);
      send({ type: "archiverPrompts", present, quiet });
    }, QUIET_EVERY);
    const stop = () => {
      observer.disconnect();
      clearInterval(every);
      clearInterval(calm);
      clearTimeout(timer);
      clearTimeout(limit);
      delete window[WATCH];
    };
    const limit = setTimeout(stop, WATCH_LIMIT);  // never outlives the capture
    Object.defineProperty(window, WATCH, { value: stop, configurable: true });
  }

  if (typeof window[WATCH] === "function") window[WATCH]();
  if (mode === "watch") {
    const send = window.__archiverConsent;
    const prompts = findPrompts().map(describe);
    if (typeof send === "function") watch(send, prompts.length > 0);
    return { prompts, watching: typeof send === "function" };
  }
  if (mode === "reject") return clickRejects();
  if (mode === "inline") return removeInline();
  if (mode === "remove") return removePrompts();
  if (mode === "cleanup") return cleanupHidden();
  return { prompts: findPrompts().map(describe) };
}
