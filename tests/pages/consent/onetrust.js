// Modeled on OneTrust's banner (otFlat): #onetrust-consent-sdk with a dark filter, the banner and
// a hidden preference center. Choosing hides the banner and filter and leaves them in the DOM.
consentFixture.afterLoad(() => {
  const f = consentFixture;
  f.style(`
    #onetrust-banner-sdk { position: fixed; bottom: 0; left: 0; right: 0; z-index: 2147483645;
      background: ${f.COLOR}; color: #fff; padding: 24px 32px; font: 15px/1.4 Arial, sans-serif; }
    .onetrust-pc-dark-filter { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.5);
      z-index: 2147483644; }
    #onetrust-pc-sdk { display: none; }
    #onetrust-button-group button { margin: 12px 8px 0 0; padding: 10px 18px; }
  `);
  const sdk = f.insert(`
    <div id="onetrust-consent-sdk">
      <div class="onetrust-pc-dark-filter ot-fade-in"></div>
      <div id="onetrust-banner-sdk" class="otFlat ot-bnr-w-logo" role="region" aria-label="Cookie banner">
        <div class="ot-sdk-container"><div class="ot-sdk-row"><div id="onetrust-group-container">
          <div id="onetrust-policy">
            <h2 id="onetrust-policy-title">We value your privacy</h2>
            <div id="onetrust-policy-text">We and our partners use cookies to store and access
              information on your device for personalised ads and content, ad and content measurement.
              PROMPT-TEXT-ONETRUST</div>
          </div>
        </div>
        <div id="onetrust-button-group-parent"><div id="onetrust-button-group">
          <button id="onetrust-pc-btn-handler">Cookie Settings</button>
          <button id="onetrust-reject-all-handler">Reject All</button>
          <button id="onetrust-accept-btn-handler">Accept All Cookies</button>
        </div></div></div></div>
      </div>
      <div id="onetrust-pc-sdk" class="otPcCenter ot-hide" role="dialog" aria-label="Preference center">
        <h2>Privacy Preference Center</h2><p>When you visit any website, it may store or retrieve
        information on your browser, mostly in the form of cookies. PROMPT-TEXT-ONETRUST-PC</p>
      </div>
    </div>`);
  const close = (choice) => {
    f.choose(choice);
    sdk.querySelector("#onetrust-banner-sdk").style.display = "none";
    sdk.querySelector(".onetrust-pc-dark-filter").style.display = "none";
  };
  sdk.querySelector("#onetrust-reject-all-handler").onclick = () => close("rejected");
  sdk.querySelector("#onetrust-accept-btn-handler").onclick = () => close("accepted");
});
