// Submits the PunchOut transfer form as soon as the page is ready. The page has a visible
// button too, so the cart still reaches the procurement system when scripts are off.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("punchout-transfer");
  if (form && !form.dataset.submitted) {
    form.dataset.submitted = "yes";  // never post the same cart twice
    form.submit();
  }
});
