// Progressive enhancement only: every page works without this file.
// 1. Moves focus to the error summary so screen readers and keyboards land on what needs fixing.
// 2. Live show/hide of questions (web/live.py): when an answer changes, the form is posted as a
//    save would post it to "<form action>/live" (saves nothing); the server answers, per input
//    prefix, the item keys that apply now, decided by the same rules as a save. Field containers
//    ([data-item][data-prefix]) are shown or hidden; a hidden field keeps its value in the page
//    but is disabled (not posted), so the server decides on save. No rule is evaluated here.
(function () {
  "use strict";
  var summary = document.getElementById("summary") || document.getElementById("findings");
  if (summary && summary.getAttribute("role") === "alert") {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }

  var DELAY = 250;
  if (!window.fetch || !window.FormData || !window.URLSearchParams) {
    return; // an old browser: the pages work as without the script (the save decides)
  }
  var forms = document.querySelectorAll("form[method='post']");
  for (var i = 0; i < forms.length; i++) {
    if (forms[i].querySelector("[data-item][data-prefix]")) {
      enhance(forms[i]);
    }
  }

  function enhance(form) {
    var url = (form.getAttribute("action") || window.location.pathname).split("?")[0] + "/live";
    var timer = null;
    var sent = 0;
    var pending = null;
    var latest = null;
    var status = document.createElement("p");
    status.className = "offscreen";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.id = "live-status";
    form.parentNode.insertBefore(status, form.nextSibling);

    function schedule(event) {
      var target = event.target;
      if (!target || !target.name || target.type === "hidden" || target.type === "submit") {
        return;
      }
      if (target.name === "confirm") {
        return; // ticking "I have checked" changes no routing
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(send, DELAY);
    }

    function send() {
      var mine = ++sent;
      if (pending && pending.abort) {
        pending.abort();
      }
      pending = window.AbortController ? new window.AbortController() : null;
      var body = new URLSearchParams(new FormData(form));
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: pending ? pending.signal : undefined,
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (answer) {
          if (answer && mine === sent) {
            latest = answer;
            apply(answer);
          }
        })
        .catch(function () {
          // Offline, signed out, rate-limited: the page still works; the save decides.
        });
    }

    function containers(prefix) {
      return form.querySelectorAll("[data-item][data-prefix='" + prefix + "']");
    }

    function label(container) {
      var text = container.querySelector("legend, label");
      return text ? text.textContent.replace(/\s+/g, " ").trim() : container.getAttribute("data-item");
    }

    function setShown(container, show) {
      container.hidden = !show;
      var controls = container.querySelectorAll("input, select, textarea, fieldset");
      for (var c = 0; c < controls.length; c++) {
        controls[c].disabled = !show;
      }
    }

    function insert(prefix, key, html, keys) {
      // A page that draws only what applies gets the new field's HTML: place it in form order.
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var field = holder.firstElementChild;
      if (!field) {
        return null;
      }
      var after = keys.indexOf(key);
      var existing = containers(prefix);
      var before = null;
      for (var e = 0; e < existing.length && !before; e++) {
        if (keys.indexOf(existing[e].getAttribute("data-item")) > after) {
          before = existing[e];
        }
      }
      if (before) {
        before.parentNode.insertBefore(field, before);
      } else if (existing.length) {
        var last = existing[existing.length - 1];
        last.parentNode.insertBefore(field, last.nextSibling);
      } else {
        return null;
      }
      return field;
    }

    function shownInput(prefix) {
      return (
        form.querySelector("input[name='shown-" + prefix + "']") ||
        form.querySelector("input[name='shown']")
      );
    }

    function apply(answer) {
      var opened = [];
      var closed = [];
      var missing = false;
      var deferred = false;
      var active = document.activeElement;
      Object.keys(answer.sections || {}).forEach(function (prefix) {
        var section = answer.sections[prefix];
        var keys = section.keys || [];
        var have = {};
        var list = containers(prefix);
        if (!list.length) {
          return; // a prefix this page does not draw
        }
        for (var n = 0; n < list.length; n++) {
          var box = list[n];
          var key = box.getAttribute("data-item");
          have[key] = true;
          var show = keys.indexOf(key) >= 0;
          if (show === !box.hidden) {
            continue;
          }
          if (!show && active && box.contains(active)) {
            deferred = true; // never hide the field being answered: hide it once it is left
            continue;
          }
          setShown(box, show);
          (show ? opened : closed).push(label(box));
        }
        keys.forEach(function (key) {
          if (have[key]) {
            return;
          }
          var html = section["new"] && section["new"][key];
          var added = html ? insert(prefix, key, html, keys) : null;
          if (added) {
            opened.push(label(added));
          } else {
            missing = true;
          }
        });
        var input = shownInput(prefix);
        if (input) {
          var visible = [];
          var now = containers(prefix);
          for (var v = 0; v < now.length; v++) {
            if (!now[v].hidden) {
              visible.push(now[v].getAttribute("data-item"));
            }
          }
          input.value = visible.join(",");
        }
      });
      if (deferred) {
        active.addEventListener("blur", function again() {
          active.removeEventListener("blur", again);
          window.setTimeout(function () {
            if (answer === latest) {
              apply(answer);
            }
          }, 0);
        });
      }
      announce(answer.say || {}, opened, closed, missing);
    }

    function announce(say, opened, closed, missing) {
      var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
      var join = zh ? "、" : ", ";
      var parts = [];
      if (opened.length && say.shown) {
        parts.push(say.shown.replace("{items}", opened.join(join)));
      }
      if (closed.length && say.hidden) {
        parts.push(say.hidden.replace("{items}", closed.join(join)));
      }
      if (missing && say.missing) {
        parts.push(say.missing);
      }
      if (parts.length) {
        status.textContent = parts.join(zh ? "。" : ". ");
      }
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }
})();
