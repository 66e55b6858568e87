/*
 * deflectkit self-service widget: one file, no build step, no CDN.
 *
 *   <link rel="stylesheet" href="https://YOUR-API/static/deflect-widget.css">
 *   <div id="help"></div>
 *   <script src="https://YOUR-API/static/deflect-widget.js" data-api="https://YOUR-API"
 *           data-key="dk_..." data-target="#help"></script>
 *
 * data-key is a key with only the `selfservice` scope (deflect keys add web --scopes selfservice): it can
 * ask and say "did this help?", nothing else, and is rate limited per minute. Every text from the server
 * is inserted as text (textContent), never as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var api = (script.getAttribute("data-api") || "").replace(/\/$/, "");
  var key = script.getAttribute("data-key") || "";
  var target = document.querySelector(script.getAttribute("data-target") || "#deflect-widget");
  if (!target) { return; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function call(path, payload) {
    return fetch(api + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + key },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error((body.error && body.error.message) || ("HTTP " + r.status)); }
        return body;
      });
    });
  }

  var box = el("form", { "class": "dk-widget", "aria-label": "Ask our help center" });
  var label = el("label", { "for": "dk-question" });
  label.appendChild(el("h2", {}, "How can we help?"));
  var question = el("textarea", { id: "dk-question", name: "question", required: "required", maxlength: "4000" });
  var ask = el("button", { type: "submit", "class": "dk-ask" }, "Ask");
  var out = el("div", { "class": "dk-result", "aria-live": "polite" });
  box.appendChild(label); box.appendChild(question); box.appendChild(ask); box.appendChild(out);
  target.appendChild(box);

  function showAnswer(reply) {
    out.textContent = "";
    if (!reply.answered) {
      out.appendChild(el("p", { "class": "dk-handoff" }, reply.message));
      return;
    }
    out.appendChild(el("div", { "class": "dk-answer" }, reply.reply));
    if (reply.sources.length) {
      out.appendChild(el("p", {}, "Sources"));
      var list = el("ol", { "class": "dk-sources" });
      reply.sources.forEach(function (s) {
        var item = el("li", { value: String(s.n) });
        if (s.url && /^https?:\/\//i.test(s.url)) {
          item.appendChild(el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, s.title));
        } else {
          item.appendChild(el("strong", {}, s.title));
        }
        item.appendChild(el("blockquote", {}, s.quote));
        list.appendChild(item);
      });
      out.appendChild(list);
    }
    var ask2 = el("p", { "class": "dk-helpful" }, "Did this answer your question?");
    var yes = el("button", { type: "button", "class": "dk-yes" }, "Yes");
    var no = el("button", { type: "button", "class": "dk-no dk-secondary" }, "No, I need a person");
    function rate(resolved) {
      yes.disabled = no.disabled = true;
      call("/v1/deflect/" + encodeURIComponent(reply.request_id) + "/resolved", { resolved: resolved })
        .then(function () {
          out.appendChild(el("p", { "class": "dk-status dk-thanks" },
            resolved ? "Thanks, glad it helped." : "Thanks. A member of our team will follow up."));
        })
        .catch(function (e) { out.appendChild(el("p", { "class": "dk-status dk-error" }, e.message)); });
    }
    yes.addEventListener("click", function () { rate(true); });
    no.addEventListener("click", function () { rate(false); });
    out.appendChild(ask2); out.appendChild(yes); out.appendChild(no);
  }

  box.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = question.value.trim();
    if (!text) { return; }
    ask.disabled = true;
    out.textContent = "";
    out.appendChild(el("p", { "class": "dk-status" }, "Looking in our help center..."));
    call("/v1/deflect", { body: text })
      .then(showAnswer)
      .catch(function (e) { out.textContent = ""; out.appendChild(el("p", { "class": "dk-status dk-error" }, e.message)); })
      .then(function () { ask.disabled = false; });
  });
})();
