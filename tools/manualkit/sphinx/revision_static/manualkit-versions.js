/* manualkit version switcher.
 *
 * Published releases live at <site>/<version>/ next to <site>/versions.json (written by
 * `manualkit release`).  This script sits at <site>/<version>/_static/ and reads that file, so a
 * release published later updates every older page: they show a "superseded" banner linking to
 * the same page in the latest version, without being rebuilt.  Outside a published site (a
 * page not in a <version>/ or latest/ folder, no versions.json, file:// URLs) it does nothing.  DOM APIs only: no HTML strings.
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

  function render(data) {
    if (!data || !Array.isArray(data.versions)) { return; }
    var latest = data.versions.filter(function (v) { return v.latest; })[0];
    var bar = document.createElement("div");
    bar.className = "mk-version-bar";
    bar.setAttribute("role", "navigation");
    var label = document.createElement("label");
    label.textContent = "手册版本：";
    var select = document.createElement("select");
    select.setAttribute("aria-label", "手册版本");
    data.versions.forEach(function (entry) {
      var option = document.createElement("option");
      option.value = link(entry);
      option.textContent = "v" + entry.version + "（" + entry.effective + " 施行）" + (entry.latest ? " · 最新" : "");
      option.selected = entry.version === current;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      var chosen = data.versions[select.selectedIndex];
      if (chosen) { go(chosen); }
    });
    label.appendChild(select);
    bar.appendChild(label);
    document.body.insertBefore(bar, document.body.firstChild);
    if (latest && current && latest.version !== current) {
      var banner = document.createElement("div");
      banner.className = "mk-superseded";
      banner.setAttribute("role", "alert");
      banner.appendChild(document.createTextNode("本版本（v" + current + "）已被 v" + latest.version + " 取代，仅供查阅。"));
      var a = document.createElement("a");
      a.href = link(latest);
      a.textContent = "查看最新版本";
      a.addEventListener("click", function (event) { event.preventDefault(); go(latest); });
      banner.appendChild(a);
      document.body.insertBefore(banner, bar.nextSibling);
      document.body.classList.add("mk-is-superseded");
    }
  }

  fetch(new URL("versions.json", siteRoot), { cache: "no-cache" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(render)
    .catch(function () { /* not a published site: no switcher */ });
})();
