// A home-made German notice with a reject button ("Ablehnen") that works.
consentFixture.afterLoad(() => {
  const f = consentFixture;
  const box = f.insert(`
    <div class="hinweis" style="position: fixed; top: 80px; right: 24px; width: 380px; z-index: 50;
         background: ${f.COLOR}; color: #fff; padding: 20px; font: 15px Arial, sans-serif;">
      <p>Wir verwenden Cookies und ähnliche Technologien, um Inhalte zu personalisieren und
      Zugriffe zu analysieren. PROMPT-TEXT-HOMEMADE-DE</p>
      <button class="ja">Alle akzeptieren</button>
      <button class="nein">Ablehnen</button>
    </div>`);
  const close = (choice) => {
    f.choose(choice);
    box.remove();
  };
  box.querySelector(".ja").onclick = () => close("accepted");
  box.querySelector(".nein").onclick = () => close("rejected");
});
