// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // The audience switch changes the article only when its Update button is pressed: choosing a radio button
  // (arrow keys move the choice) never submits by itself (WCAG 3.2.2, On Input).
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
    var panel = document.getElementById("source-panel");
    if (panel && panel.open) { return; }            // Escape closes the source panel first (its own cancel)
    if (e.key === "Escape") { cites.forEach(function (d) { d.open = false; }); }
  });
  // "View in source" opens the stored document at the quote in a modal panel (beside the article on a desk, a
  // bottom sheet on a phone); the link still opens the /library/source page without JavaScript, on a modified
  // click, or when the panel cannot be filled. Escape or Close returns focus to the link.
  var sourceLinks = document.querySelectorAll("a.view-source");
  if (sourceLinks.length && window.fetch && window.DOMParser && typeof HTMLDialogElement === "function") {
    var panel = document.createElement("dialog"), opener = null;
    panel.id = "source-panel"; panel.className = "source-panel"; panel.setAttribute("aria-labelledby", "sp-title");
    panel.innerHTML = '<div class="sp-head"><h2 id="sp-title" tabindex="-1">Source</h2>'
      + '<button type="button" class="sp-close">Close</button></div>'
      + '<p class="sp-status" role="status"></p><div class="sp-body"></div>'
      + '<p class="sp-foot"><a class="sp-page" href="#">Open the source as a page</a></p>';
    document.body.appendChild(panel);
    var title = panel.querySelector("#sp-title"), body = panel.querySelector(".sp-body"),
        status = panel.querySelector(".sp-status"), page = panel.querySelector(".sp-page");
    panel.querySelector(".sp-close").addEventListener("click", function () { panel.close(); });
    panel.addEventListener("close", function () {
      document.body.classList.remove("panel-open");
      if (opener && document.contains(opener)) { opener.focus(); }
    });
    panel.addEventListener("click", function (e) { if (e.target === panel) { panel.close(); } });   // the backdrop
    sourceLinks.forEach(function (a) {
      a.addEventListener("click", function (e) {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) { return; }
        e.preventDefault();
        opener = a;
        var href = a.getAttribute("href");
        title.textContent = "Source"; body.textContent = ""; status.textContent = "Opening the source…";
        page.setAttribute("href", href);
        if (!panel.open) { panel.showModal(); }
        document.body.classList.add("panel-open");
        title.focus();
        fetch(href, {credentials: "same-origin"}).then(function (r) {
          if (!r.ok) { throw new Error(String(r.status)); }
          return r.text();
        }).then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html").querySelector(".source-doc");
          if (!doc) { throw new Error("no source"); }
          var h1 = doc.querySelector("h1");
          title.textContent = h1 ? h1.textContent : "Source";
          if (h1) { h1.remove(); }
          doc.querySelectorAll("a[href='#quote']").forEach(function (x) { (x.closest("p") || x).remove(); });
          doc.querySelectorAll("[id]").forEach(function (x) { x.id = "sp-" + x.id; });
          body.replaceChildren(document.importNode(doc, true));
          var mark = body.querySelector("mark");
          status.textContent = mark ? "The cited passage is highlighted." : "";
          if (mark) { mark.scrollIntoView({block: "center"}); }
        }).catch(function () { window.location.href = href; });
      });
    });
  }
  // The Evidence Table's "scroll sideways" cue shows only while the table is wider than its column.
  var wrap = document.querySelector(".evidence-table .table-wrap"), cue = document.getElementById("table-cue");
  if (wrap && cue) {
    var fit = function () { cue.hidden = wrap.scrollWidth <= wrap.clientWidth + 1; };
    fit(); window.addEventListener("resize", fit);
  }
  // While a question is being answered: the buttons are disabled (after the form data is taken, so the pressed
  // button's value is still sent) and the form's live region says what is happening (screen readers announce it).
  document.querySelectorAll("#ask-form, #follow-up-form, #interpret-form").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (e.defaultPrevented) { return; }
      var live = f.querySelector(".progress, [role=status]");
      if (live) { live.textContent = live.getAttribute("data-progress") || "Answering your question…"; }
      window.setTimeout(function () {
        f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        var pressed = e.submitter || f.querySelector("button[type=submit]");
        if (pressed) { pressed.textContent = "Answering…"; }
      }, 0);
    });
  });
  // A written answer (writer "llm") streams in: progress text and the model's draft, then the checked article.
  var askForm = document.getElementById("ask-form");
  if (askForm && window.fetch && window.TextDecoder && window.FormData) {
    askForm.addEventListener("submit", function (e) {
      var w = askForm.querySelector("input[name=writer]:checked");
      if (!w || w.value !== "llm") { return; }
      e.preventDefault();
      var out = document.getElementById("ask-progress"), pre = document.getElementById("ask-preview");
      out.hidden = false; pre.hidden = false; out.textContent = "Selecting evidence…"; pre.textContent = "";
      var again = function (msg) {
        out.textContent = msg;
        askForm.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; b.textContent = "Ask"; });
      };
      fetch("/ask/stream", {method: "POST", body: new FormData(askForm), credentials: "same-origin"}).then(function (r) {
        if (!r.ok || !r.body) { again("The answer could not be made (" + r.status + ")."); return; }
        var reader = r.body.getReader(), dec = new TextDecoder(), buf = "";
        var handle = function (chunk) {
          var ev = "", data = "";
          chunk.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) { ev = line.slice(7); } else if (line.indexOf("data: ") === 0) { data += line.slice(6); }
          });
          if (!ev || !data) { return; }
          var d = JSON.parse(data);
          if (ev === "progress") { out.textContent = d.text.charAt(0).toUpperCase() + d.text.slice(1) + "…"; }
          else if (ev === "token") { pre.textContent += d.text; }
          else if (ev === "article") { window.location = d.url; }
          else if (ev === "error") { again(d.detail); }
        };
        var pump = function () {
          return reader.read().then(function (res) {
            if (res.done) { return; }
            buf += dec.decode(res.value, {stream: true});
            var parts = buf.split("\n\n"); buf = parts.pop();
            parts.forEach(handle);
            return pump();
          });
        };
        return pump();
      }).catch(function () { again("The connection was lost; try again."); });
    });
  }
});
