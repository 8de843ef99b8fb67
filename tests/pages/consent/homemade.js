// A home-made notice no rule knows: a fixed bottom bar with only "OK", a dimming overlay, and a
// scroll lock on <html> and <body> that nothing releases.
consentFixture.afterLoad(() => {
  const f = consentFixture;
  f.insert(`<div class="site-dim" style="position: fixed; inset: 0; z-index: 900;
                 background: rgba(0, 0, 0, 0.6);"></div>`);
  const bar = f.insert(`
    <div class="notice-bar" style="position: fixed; bottom: 0; left: 0; right: 0; z-index: 901;
         background: ${f.COLOR}; color: #fff; padding: 20px 32px; font: 16px Arial, sans-serif;">
      <p>This site uses cookies to remember your preferences and to count visits.
      PROMPT-TEXT-HOMEMADE</p>
      <button class="ok">OK, got it</button>
    </div>`);
  f.lockScroll();
  bar.querySelector(".ok").onclick = () => {
    f.choose("accepted");
    bar.remove();
  };
});
