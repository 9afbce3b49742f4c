/*
 * manualkit: Chinese strings that Sphinx's own zh_CN catalog lacks.
 *
 * Sphinx 8.2's searchtools.js reports results with new message ids
 * ("Search finished, found … pages …") that the bundled zh_CN translations
 * (translations.js) do not have yet, so a Chinese site showed an English
 * status line.  ``Documentation.addTranslations`` merges into the loaded
 * catalog; it runs only when a Chinese catalog was loaded, so a site in
 * another language keeps its own strings.
 */
"use strict";

(() => {
  if (typeof Documentation === "undefined") return;
  const locale = Documentation.LOCALE || "";
  if (!locale.startsWith("zh")) return;
  Documentation.addTranslations({
    locale: locale,
    plural_expr: "0",
    messages: {
      "Search finished, found one page matching the search query.": [
        "搜索完成，找到 ${resultCount} 个匹配的页面。",
        "搜索完成，找到 ${resultCount} 个匹配的页面。",
      ],
      "Search finished, found ${resultCount} pages matching the search query.":
        "搜索完成，找到 ${resultCount} 个匹配的页面。",
      "Search Results": "搜索结果",
      "Searching": "正在搜索",
      "Preparing search...": "正在准备搜索……",
      // The site's search has no categories to select (Sphinx's catalog says "选择了合适的分类").
      "Your search did not match any documents. Please make sure that all words are spelled correctly and that you've selected enough categories.":
        "没有找到匹配的内容。请检查关键词是否正确，或改用较短、较常用的词（如“投诉”“工作日”）再试。",
    },
  });
})();
