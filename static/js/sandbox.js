// The procurement sandbox's requisition page: open the supplier the way the profile does,
// and notice when the cart has come back (the supplier may run in another window).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // OCI entry by POST into the frame or this window: submit the prepared form once.
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
    if (!form.dataset.sent) {
      form.dataset.sent = "yes";
      form.submit();
    }
  });
  // Same-window PunchOut: go to the supplier's StartPage (the link stays as a fallback).
  const follow = document.querySelector("a[data-autofollow]");
  if (follow) {
    window.location.assign(follow.href);
  }
  // While the supplier is open, check now and then whether the requisition changed.
  const waiting = document.querySelector("[data-poll-url]");
  if (waiting && !follow) {
    const timer = window.setInterval(async () => {
      try {
        const response = await fetch(waiting.dataset.pollUrl, { credentials: "same-origin" });
        if (!response.ok) {
          return;
        }
        const data = await response.json();
        if (data.status !== waiting.dataset.status) {
          window.clearInterval(timer);
          window.location.reload();
        }
      } catch (error) {
        // The sandbox is briefly unreachable: try again at the next tick.
      }
    }, 2500);
  }
});
