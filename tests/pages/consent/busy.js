// A page whose script keeps the main thread busy for four seconds after load.
consentFixture.afterLoad(() => {
  const end = Date.now() + 4000;
  while (Date.now() < end) { /* busy */ }
}, 100);
