/*
 * manualkit: furo's pages for keyboard and screen-reader users (WCAG 2.1.1 keyboard, 2.4.7 focus
 * visible, 1.1.1 non-text content).
 *
 * On a phone or in a narrow window furo opens the navigation (☰) and the page's contents
 * from icons that are <label>s for hidden check boxes: no Tab stop reaches them, so a keyboard
 * could not open either drawer, while Tab went on into the closed drawers' links, off-screen
 * with nothing showing where the focus was.  The icons become buttons (Tab, then Enter or
 * Space); the closed drawers are hidden from the Tab order by manualkit.css.  The button is the
 * icon inside the label, not the label: a <label> may not take another role (ARIA in HTML), and
 * a click on the icon still reaches the label, which toggles the box as before.
 *
 * A table wider than the screen (on a phone, or zoomed to 400%) scrolls sideways inside furo's
 * wrapper, which a keyboard could not scroll when the table holds no link: such a wrapper
 * becomes a named Tab stop (arrow keys scroll it) while, and only while, it scrolls.
 *
 * A flowchart is an <object> showing Graphviz's SVG, which a screen reader announced without a
 * name: it is an image named by its text alternative (the fallback paragraph inside it).
 */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const labels = document.querySelectorAll("label.nav-overlay-icon, label.toc-overlay-icon");
  const toggles = [];
  for (const label of labels) {
    const box = document.getElementById(label.htmlFor);
    const icon = label.querySelector(".icon");
    if (!box || !icon) continue;
    toggles.push({ icon, box });
    icon.tabIndex = 0;
    icon.setAttribute("role", "button");
    icon.setAttribute("aria-label", box.getAttribute("aria-label") || "");
    const expanded = () => icon.setAttribute("aria-expanded", String(box.checked));
    expanded();
    box.addEventListener("change", expanded);
    icon.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change"));
      if (box.checked) {
        // Into the drawer just opened: its first link (or the search box).
        const drawer = document.querySelector(
          box.id === "__navigation" ? ".sidebar-drawer" : ".toc-drawer",
        );
        const first = drawer && drawer.querySelector("input, a[href]");
        if (first) setTimeout(() => first.focus(), 260); // after furo's 0.25 s slide
      }
    });
  }
  // Escape closes an open drawer and returns to its icon.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const { icon, box } of toggles) {
      if (box.checked) {
        box.checked = false;
        box.dispatchEvent(new Event("change"));
        icon.focus();
      }
    }
  });

  scrollingTables();
  namedFlowcharts();

  /** The name a scrolling table is announced by: its caption, else its section's heading. */
  function tableName(wrapper) {
    const caption = wrapper.querySelector("caption .caption-text") || wrapper.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    const section = wrapper.closest("section");
    const heading = section && section.querySelector(":scope > h1, :scope > h2, :scope > h3, :scope > h4");
    return heading ? heading.textContent.replace(/¶\s*$/, "").trim() : "";
  }

  function scrollingTables() {
    const wrappers = document.querySelectorAll("article .table-wrapper");
    const update = (wrapper) => {
      const scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
      if (scrolls === wrapper.classList.contains("mk-scrolls")) return;
      wrapper.classList.toggle("mk-scrolls", scrolls);
      if (scrolls) {
        const name = tableName(wrapper);
        wrapper.tabIndex = 0;
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-label", (name ? `表格：${name}` : "表格") + "（可左右滚动）");
      } else {
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("role");
        wrapper.removeAttribute("aria-label");
      }
    };
    if (typeof ResizeObserver === "undefined") {
      wrappers.forEach(update);
      return;
    }
    // The wrapper resizes with the window (rotation, zoom, a sidebar shown or hidden), the table
    // with its content (fonts loaded).
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) update(entry.target.closest(".table-wrapper"));
    });
    for (const wrapper of wrappers) {
      observer.observe(wrapper);
      const table = wrapper.querySelector(":scope > table");
      if (table) observer.observe(table);
    }
  }

  function namedFlowcharts() {
    for (const chart of document.querySelectorAll("object.graphviz")) {
      const alt = chart.textContent.trim();
      if (!alt || chart.hasAttribute("aria-label")) continue;
      const steps = chart.closest(".mk-process") && chart.closest(".mk-process").querySelector("table");
      chart.setAttribute("role", "img");
      chart.setAttribute("aria-label", steps ? `${alt}（各步骤见下表）` : alt);
    }
  }
});
