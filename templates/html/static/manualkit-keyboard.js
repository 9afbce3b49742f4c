/*
 * manualkit: furo's drawers for keyboard users (WCAG 2.1.1 keyboard, 2.4.7 focus visible).
 *
 * On a phone or in a narrow window furo opens the navigation (☰) and the page's contents
 * from icons that are <label>s for hidden check boxes: no Tab stop reaches them, so a keyboard
 * could not open either drawer, while Tab went on into the closed drawers' links, off-screen
 * with nothing showing where the focus was.  The icons become buttons (Tab, then Enter or
 * Space); the closed drawers are hidden from the Tab order by manualkit.css.
 */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const icons = document.querySelectorAll("label.nav-overlay-icon, label.toc-overlay-icon");
  for (const icon of icons) {
    const box = document.getElementById(icon.htmlFor);
    if (!box) continue;
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
    for (const icon of icons) {
      const box = document.getElementById(icon.htmlFor);
      if (box && box.checked) {
        box.checked = false;
        box.dispatchEvent(new Event("change"));
        icon.focus();
      }
    }
  });
});
