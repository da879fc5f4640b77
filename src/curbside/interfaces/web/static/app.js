// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // The audience switch re-renders the article as soon as a choice is made.
  var form = document.getElementById("audience-form");
  if (form) {
    form.querySelectorAll("input[name=audience]").forEach(function (input) {
      input.addEventListener("change", function () { form.submit(); });
    });
  }
  // Ask before deleting.
  document.querySelectorAll("form.confirm").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm") || "Are you sure?")) { e.preventDefault(); }
    });
  });
  // One open citation at a time; Escape closes it.
  var cites = document.querySelectorAll("details.cite");
  cites.forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (d.open) { cites.forEach(function (o) { if (o !== d) { o.open = false; } }); }
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { cites.forEach(function (d) { d.open = false; }); }
  });
  // Disable submit buttons while a question is being answered.
  document.querySelectorAll("#ask-form, #follow-up-form").forEach(function (f) {
    f.addEventListener("submit", function () {
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; b.textContent = "Answering…"; });
    });
  });
});
