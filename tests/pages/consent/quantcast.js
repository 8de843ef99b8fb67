// Modeled on Quantcast Choice (TCF v2): #qc-cmp2-container > #qc-cmp2-main > overlay > #qc-cmp2-ui,
// with the summary buttons MORE OPTIONS / DISAGREE (mode=secondary) and AGREE (mode=primary).
consentFixture.afterLoad(() => {
  const f = consentFixture;
  f.style(`
    .qc-cmp-cleanslate { position: fixed; inset: 0; z-index: 2147483647; display: flex;
      align-items: center; justify-content: center; background: rgba(0, 0, 0, 0.6); }
    #qc-cmp2-ui { width: 620px; background: ${f.COLOR}; color: #fff; padding: 24px;
      font: 15px/1.4 Arial, sans-serif; }
    .qc-cmp2-summary-buttons button { margin: 12px 8px 0 0; padding: 10px 18px; }
  `);
  const container = f.insert(`
    <div id="qc-cmp2-container" data-nosnippet="">
      <div id="qc-cmp2-main" class="qc-cmp2-main">
        <div class="qc-cmp-cleanslate">
          <div id="qc-cmp2-ui" role="dialog" aria-label="qc-cmp2-ui" aria-modal="true">
            <div class="qc-cmp2-summary-section"><div class="qc-cmp2-summary-info">
              <h2>We value your privacy</h2>
              <p>We and our partners store and/or access information on a device, such as cookies
              and process personal data, such as unique identifiers and standard information sent by
              a device. PROMPT-TEXT-QUANTCAST</p>
            </div></div>
            <div class="qc-cmp2-footer qc-cmp2-footer-overlay"><div class="qc-cmp2-summary-buttons">
              <button mode="secondary" size="large"><span>MORE OPTIONS</span></button>
              <button mode="secondary" size="large"><span>DISAGREE</span></button>
              <button mode="primary" size="large"><span>AGREE</span></button>
            </div></div>
          </div>
        </div>
      </div>
    </div>`);
  const close = (choice) => {
    f.choose(choice);
    container.querySelector("#qc-cmp2-main").remove();
  };
  const [, disagree, agree] = container.querySelectorAll(".qc-cmp2-summary-buttons button");
  disagree.onclick = () => close("rejected");
  agree.onclick = () => close("accepted");
});
