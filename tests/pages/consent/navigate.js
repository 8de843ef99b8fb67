// A page that navigates elsewhere while its consent prompt is being handled.
consentFixture.afterLoad(() => {
  location.href = "/consent/page.html?cmp=homemade&delay=0";
}, 200);
