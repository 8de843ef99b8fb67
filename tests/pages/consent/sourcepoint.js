// Modeled on Sourcepoint's first layer: div#sp_message_container_<id> (a full-screen overlay) holds
// an iframe loaded from Sourcepoint's host at /index.html?message_id=...; the buttons live inside
// the frame, which tells the page the choice with postMessage.
consentFixture.afterLoad(() => {
  const f = consentFixture;
  const container = f.insert(`
    <div id="sp_message_container_1077405" class="sp-message-container"
         style="position: fixed; inset: 0; z-index: 2147483647; display: flex; align-items: center;
                justify-content: center; background: rgba(0, 0, 0, 0.5);">
      <iframe id="sp_message_iframe_1077405" title="SP Consent Message"
              src="/index.html?message_id=1077405&consentUUID=fixture&preload_message=true"
              style="width: 640px; height: 320px; border: 0;"></iframe>
    </div>`);
  addEventListener("message", (event) => {
    if (!event.data || !event.data.spChoice) return;
    f.choose(event.data.spChoice);
    setTimeout(() => container.remove(), 100);
  });
});
