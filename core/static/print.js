// A "print" button for the printed documents: shown only where JavaScript runs (the page prints without it too).
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
