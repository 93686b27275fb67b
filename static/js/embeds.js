// Video players load when the reader asks: a click on "Play video on …"
// puts the player in the link's place. Until then the page contacts neither
// YouTube nor Vimeo; without JavaScript the link opens the video there.
// The server writes the player's address (posts/embeds.py); only these two
// players are made, with the same attributes every time.
(function () {
  "use strict";
  var PLAYERS = {
    "https://www.youtube-nocookie.com/embed/": "YouTube video player",
    "https://player.vimeo.com/video/": "Vimeo video player"
  };

  function titleFor(src) {
    for (var prefix in PLAYERS) {
      if (src.indexOf(prefix) === 0) return PLAYERS[prefix];
    }
    return null;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.embed-play[data-player]") : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    var src = link.getAttribute("data-player");
    var title = titleFor(src);
    if (!title) return; // not one of ours: the link still leads to the video
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = title;
    frame.loading = "lazy";
    // Full screen is granted here, by "fullscreen" (the older allowfullscreen
    // attribute beside it only draws a console warning).
    frame.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
    frame.referrerPolicy = "strict-origin-when-cross-origin"; // YouTube refuses to play without a referrer
    // The player may run its scripts and open the video on its site, never
    // navigate this page.
    frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox");
    link.replaceWith(frame);
    frame.focus();
  });
})();
