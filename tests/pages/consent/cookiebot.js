// Modeled on Cookiebot's popup template: #CybotCookiebotDialog plus its underlay. Real Cookiebot
// also defines window.Cookiebot, which autoconsent's rule needs; this fixture does not, so only the
// fallback can answer it.
consentFixture.afterLoad(() => {
  const f = consentFixture;
  f.style(`
    #CybotCookiebotDialog { position: fixed; top: 50%; left: 50%; transform: translate(-50%, -50%);
      width: 600px; z-index: 2147483631; background: ${f.COLOR}; color: #fff; padding: 24px;
      border-radius: 8px; font: 15px/1.4 Helvetica, sans-serif; }
    #CybotCookiebotDialogBodyUnderlay { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.6);
      z-index: 2147483630; }
    .CybotCookiebotDialogBodyButton { margin: 12px 8px 0 0; padding: 10px 18px; }
  `);
  const underlay = f.insert(
    `<div id="CybotCookiebotDialogBodyUnderlay" class="CybotCookiebotDialogActive"></div>`);
  const dialog = f.insert(`
    <div id="CybotCookiebotDialog" name="CybotCookiebotDialog" role="dialog" aria-modal="true"
         aria-labelledby="CybotCookiebotDialogBodyContentTitle" lang="en" data-template="popup"
         class="CybotCookiebotDialogActive CybotEdge">
      <div class="CybotCookiebotDialogContentWrapper">
        <div id="CybotCookiebotDialogBody">
          <h2 id="CybotCookiebotDialogBodyContentTitle">This website uses cookies</h2>
          <div id="CybotCookiebotDialogBodyContentText">We use cookies to personalise content and
            ads, to provide social media features and to analyse our traffic.
            PROMPT-TEXT-COOKIEBOT</div>
        </div>
        <div id="CybotCookiebotDialogFooter"><div id="CybotCookiebotDialogBodyButtonsWrapper">
          <button id="CybotCookiebotDialogBodyButtonDecline"
                  class="CybotCookiebotDialogBodyButton">Use necessary cookies only</button>
          <button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection"
                  class="CybotCookiebotDialogBodyButton">Allow selection</button>
          <button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll"
                  class="CybotCookiebotDialogBodyButton">Allow all</button>
        </div></div>
      </div>
    </div>`);
  const close = (choice) => {
    f.choose(choice);
    dialog.style.display = "none";
    underlay.style.display = "none";
  };
  dialog.querySelector("#CybotCookiebotDialogBodyButtonDecline").onclick = () => close("rejected");
  dialog.querySelector("#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll").onclick =
    () => close("accepted");
});
