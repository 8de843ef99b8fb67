// A page whose script keeps the main thread busy for three seconds after load.
consentFixture.afterLoad(() => {
  const end = Date.now() + 3000;
  while (Date.now() < end) { /* busy */ }
}, 100);
