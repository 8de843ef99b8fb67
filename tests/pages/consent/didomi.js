// Modeled on Didomi's popup notice: #didomi-host > #didomi-popup (the backdrop) > the notice, and
// the `didomi-popup-open` class that locks the page's scrolling. Choosing empties #didomi-host.
consentFixture.afterLoad(() => {
  const f = consentFixture;
  f.style(`
    .didomi-popup-open { overflow: hidden !important; }
    .didomi-popup-backdrop { position: fixed; inset: 0; z-index: 2147483641; display: flex;
      align-items: center; justify-content: center; background: rgba(0, 0, 0, 0.5); }
    .didomi-popup-container { width: 560px; background: ${f.COLOR}; color: #fff; padding: 24px;
      font: 15px/1.4 Arial, sans-serif; }
    .didomi-button { margin: 12px 8px 0 0; padding: 10px 18px; }
  `);
  const host = f.insert(`<div id="didomi-host" data-nosnippet="true" aria-hidden="false"></div>`);
  f.insert(`
    <div id="didomi-popup" class="didomi-popup-backdrop didomi-notice-popup didomi-popup__backdrop">
      <div class="didomi-popup-container didomi-popup-notice didomi-popup-notice-with-data-processing"
           role="dialog" aria-modal="true" aria-labelledby="didomi-notice-title">
        <h1 id="didomi-notice-title">Welcome to Coastal Review</h1>
        <div class="didomi-popup-notice-text" id="didomi-notice-text">We and our partners store
          and/or access information on a device, such as cookies, and process personal data.
          PROMPT-TEXT-DIDOMI</div>
        <div class="didomi-popup-notice-buttons">
          <button id="didomi-notice-learn-more-button" class="didomi-button didomi-button-standard">Learn More</button>
          <button id="didomi-notice-disagree-button" class="didomi-button didomi-dismiss-button">Disagree and close</button>
          <button id="didomi-notice-agree-button" class="didomi-button didomi-components-button">Agree and close</button>
        </div>
      </div>
    </div>`, host);
  document.body.classList.add("didomi-popup-open");
  const close = (choice) => {
    f.choose(choice);
    host.replaceChildren();
    document.body.classList.remove("didomi-popup-open");
  };
  host.querySelector("#didomi-notice-disagree-button").onclick = () => close("rejected");
  host.querySelector("#didomi-notice-agree-button").onclick = () => close("accepted");
});
