// A cookie notice in the article's own flow (not fixed, not a dialog): a block between two
// paragraphs with a consent text and an "Accept" button, the way some sites put theirs.
consentFixture.afterLoad(() => {
  const f = consentFixture;
  const paragraphs = document.querySelectorAll("article p");
  const notice = f.insert(`
    <div class="notice" style="background: ${f.COLOR}; color: #fff; padding: 24px;
         margin: 24px 0; font: 16px Arial, sans-serif;">
      <p>We use cookies and similar technologies to personalise content and ads and to
      analyse our traffic. PROMPT-TEXT-INLINE</p>
      <button class="yes">Accept</button> <a href="/privacy">Privacy policy</a>
    </div>`, paragraphs[2].parentElement);
  paragraphs[2].after(notice);
  notice.querySelector(".yes").onclick = () => {
    f.choose("accepted");
    notice.remove();
  };
});
