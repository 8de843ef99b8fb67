// Test fixtures for consent prompts: a prompt script is loaded from its own file (as real consent
// platforms load theirs from a CDN) and shows its prompt some time after `load`.
window.consentFixture = {
  load(name) {
    if (!name) return;
    const script = document.createElement("script");
    script.src = `/consent/${name}.js`;
    document.head.append(script);
  },
  // ?delay=MS in the page URL overrides the delay.
  afterLoad(show, delay = 400) {
    const override = new URLSearchParams(location.search).get("delay");
    const later = () => setTimeout(show, override === null ? delay : Number(override));
    if (document.readyState === "complete") later();
    else addEventListener("load", later);
  },
  style(css) {
    const style = document.createElement("style");
    style.textContent = css;
    document.head.append(style);
  },
  insert(html, parent = document.body) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const element = template.content.firstElementChild;
    parent.append(element);
    return element;
  },
  // What the visitor chose, where the test can read it in the DOM snapshot.
  choose(value) {
    document.documentElement.dataset.consent = value;
  },
  lockScroll() {
    document.documentElement.style.overflow = "hidden";
    document.body.style.overflow = "hidden";
  },
  // The colour of every prompt: the tests look for it in the screenshot.
  COLOR: "rgb(255, 0, 170)",
};
