// Modeled on Usercentrics' browser UI (v2/v3): #usercentrics-root holds the banner in an open
// shadow root, buttons marked with data-testid. Real Usercentrics also defines window.UC_UI, which
// autoconsent's rule needs to see the popup; this fixture does not, so the fallback answers it.
consentFixture.afterLoad(() => {
  const f = consentFixture;
  const host = f.insert(`<div id="usercentrics-root" data-created-at="1700000000000"></div>`);
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `
    <style>
      #uc-center-container { position: fixed; bottom: 16px; left: 16px; width: 420px;
        z-index: 2147483646; background: ${f.COLOR}; color: #fff; padding: 20px;
        font: 14px/1.4 Arial, sans-serif; border-radius: 8px; }
      button { margin: 10px 8px 0 0; padding: 8px 14px; }
    </style>
    <div id="uc-center-container" data-testid="uc-default-banner" role="dialog" aria-modal="true"
         aria-label="Privacy Settings">
      <h2 id="uc-heading-title">Privacy Settings</h2>
      <div data-testid="uc-message-container">This site uses third-party website tracking
        technologies to provide and continually improve our services. You can change your consent
        at any time. PROMPT-TEXT-USERCENTRICS</div>
      <div data-testid="uc-buttons-container">
        <button data-testid="uc-more-button" role="button">Settings</button>
        <button data-testid="uc-deny-all-button" role="button">Deny</button>
        <button data-testid="uc-accept-all-button" role="button">Accept All</button>
      </div>
    </div>`;
  const close = (choice) => {
    f.choose(choice);
    host.remove();
  };
  root.querySelector("[data-testid=uc-deny-all-button]").onclick = () => close("rejected");
  root.querySelector("[data-testid=uc-accept-all-button]").onclick = () => close("accepted");
});
