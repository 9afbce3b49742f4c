/* manualkit version switcher.
 *
 * Published releases live at <site>/<version>/ next to <site>/versions.json (written by
 * `manualkit release`).  This script sits at <site>/<version>/_static/ and reads that file, so a
 * release published later updates every older page without rebuilding it.
 *
 * A version is usually published before it takes effect.  The version in force is the newest
 * whose effective date has come, decided here on the reader's own date (the site is static: a page
 * published today must say the right thing next month).  A newer version shows as 批准待施行 until
 * its date; an older one says it was superseded only once its successor is in force.  The
 * "latest"/"superseded" flags in versions.json are the same decision as of the release date, kept
 * for pages published before this logic existed.
 *
 * Without JavaScript, a published page shows the status the site's version-status.css gives its
 * version (manualkit/site_status.py, rewritten at each publication and daily by refresh-site).
 *
 * Outside a published site (a page not in a <version>/ or latest/ folder, no versions.json,
 * file:// URLs) it does nothing.  DOM APIs only: no HTML strings.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) { return; }
  var current = script.getAttribute("data-manualkit-version") || "";
  var versionRoot = new URL("../", script.src);      // <site>/<version>/
  var siteRoot = new URL("../../", script.src);      // <site>/
  var pagePath = window.location.href.indexOf(versionRoot.href) === 0
    ? window.location.href.slice(versionRoot.href.length) : "";
  // Only a published page sits in <site>/<version>/ (or <site>/latest/): anywhere else (build/html,
  // the live preview) there is no versions.json to read, and asking for one logged a 404 on
  // every page.
  var folder = decodeURIComponent(versionRoot.pathname.replace(/\/$/, "").split("/").pop() || "");
  if (!current || (folder !== current && folder !== "latest")) { return; }

  function link(entry) {
    return new URL(entry.path + pagePath, siteRoot).href;
  }

  // The same page in another version, or that version's start page when the page does not exist
  // there (a chapter added or removed between versions): never a dead link.
  function go(entry) {
    var target = link(entry);
    fetch(target, { method: "HEAD", cache: "no-cache" })
      .then(function (response) { return response.ok ? target : new URL(entry.path, siteRoot).href; })
      .catch(function () { return target; })
      .then(function (href) { window.location.href = href; });
  }

  // Versions compare as numbers (1.10 follows 1.9), as `manualkit release` sorts them.
  function compare(a, b) {
    var x = String(a).split(".").map(Number), y = String(b).split(".").map(Number);
    for (var i = 0; i < Math.max(x.length, y.length); i++) {
      if ((x[i] || 0) !== (y[i] || 0)) { return (x[i] || 0) - (y[i] || 0); }
    }
    return 0;
  }

  // The reader's calendar day as YYYY-MM-DD (local time: the day the reader is living in).
  function today() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }

  // "2027-01-04" → "2027年1月4日".
  function chineseDate(iso) {
    var parts = String(iso || "").split("-");
    if (parts.length !== 3) { return String(iso || ""); }
    return Number(parts[0]) + "年" + Number(parts[1]) + "月" + Number(parts[2]) + "日";
  }

  // The newest version whose effective date has come (an entry without one counts as in force);
  // null while none has.
  function inForce(versions, day) {
    return versions.filter(function (v) { return !v.effective || v.effective <= day; })[0] || null;
  }

  // "in-force", "pending" (approved, not yet effective) or "superseded" (older than the one in force).
  function status(entry, force) {
    if (force && entry.version === force.version) { return "in-force"; }
    if (!force || compare(entry.version, force.version) > 0) { return "pending"; }
    return "superseded";
  }

  function pendingText(entry) {
    return "批准待施行（自" + chineseDate(entry.effective) + "起施行）";
  }

  function optionText(entry, force) {
    var state = status(entry, force);
    if (state === "pending") { return "v" + entry.version + " · " + pendingText(entry); }
    var since = entry.effective ? "（" + chineseDate(entry.effective) + "起施行）" : "";
    var label = state === "in-force" ? " · 现行" : " · 已被 v" + force.version + " 取代";
    return "v" + entry.version + since + label;
  }

  function anchor(text, entry) {
    var a = document.createElement("a");
    a.href = link(entry);
    a.textContent = text;
    a.addEventListener("click", function (event) { event.preventDefault(); go(entry); });
    return a;
  }

  // A banner fixed at the bottom of the window: a reader arriving at a deep link must see that
  // this page is not the version in force.
  function banner(className, text, target, linkText, bar) {
    var box = document.createElement("div");
    box.className = className;
    box.setAttribute("role", "alert");
    box.appendChild(document.createTextNode(text));
    if (target) { box.appendChild(anchor(linkText, target)); }
    document.body.insertBefore(box, bar.nextSibling);
    document.body.classList.add("mk-is-superseded");
  }

  function render(data) {
    if (!data || !Array.isArray(data.versions)) { return; }
    var versions = data.versions.filter(function (v) { return v && v.version && v.path; });
    versions.sort(function (a, b) { return compare(b.version, a.version); });
    // From here on this script tells the page's status, on the reader's date: the notice the site's
    // version-status.css shows without JavaScript (as of the site's last publication) stands down.
    document.documentElement.classList.add("mk-versions-live");
    var force = inForce(versions, today());
    var bar = document.createElement("div");
    bar.className = "mk-version-bar";
    bar.setAttribute("role", "navigation");
    bar.setAttribute("aria-label", "手册版本");
    var label = document.createElement("label");
    label.textContent = "手册版本：";
    var select = document.createElement("select");
    select.setAttribute("aria-label", "手册版本");
    versions.forEach(function (entry) {
      var option = document.createElement("option");
      option.value = link(entry);
      option.textContent = optionText(entry, force);
      option.selected = entry.version === current;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      var chosen = versions[select.selectedIndex];
      if (chosen) { go(chosen); }
    });
    label.appendChild(select);
    bar.appendChild(label);
    // After furo's "skip to content" link, which must stay the page's first Tab stop.
    var skip = document.querySelector("body > .skip-to-content");
    document.body.insertBefore(bar, skip ? skip.nextSibling : document.body.firstChild);

    var mine = versions.filter(function (v) { return v.version === current; })[0];
    if (!mine) { return; }
    var state = status(mine, force);
    // latest/ names the version in force when the site was last published; once a successor
    // takes effect, an address under latest/ goes on to the same page of the version in force.
    if (state === "superseded" && folder === "latest") {
      go(force);
      return;
    }
    if (state === "superseded") {
      banner("mk-superseded", "本版本（v" + current + "）已被 v" + force.version + " 取代，仅供查阅。",
             force, "查看现行版本", bar);
    } else if (state === "pending") {
      banner("mk-pending",
             "本版本（v" + current + "）" + pendingText(mine) +
             (force ? "，现行版本为 v" + force.version + "。" : "。"),
             force, "查看现行版本", bar);
    } else {
      // The version in force may point to the approved version that will replace it.
      var upcoming = versions.filter(function (v) { return status(v, force) === "pending"; });
      var next = upcoming[upcoming.length - 1];   // the first to take effect
      if (next) {
        var note = document.createElement("span");
        note.className = "mk-upcoming";
        note.appendChild(document.createTextNode(
          "v" + next.version + " 已批准，自" + chineseDate(next.effective) + "起施行。"));
        note.appendChild(anchor("查看 v" + next.version, next));
        bar.insertBefore(note, label);
      }
    }
  }

  fetch(new URL("versions.json", siteRoot), { cache: "no-cache" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(render)
    .catch(function () { /* not a published site: no switcher */ });
})();
