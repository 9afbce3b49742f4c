/*
 * manualkit: Chinese query segmentation for Sphinx search.
 *
 * The index is built with jieba, but Sphinx's searchtools.js only splits a
 * query on punctuation and spaces, so "投诉处理" would be looked up as one
 * word.  searchtools.js keeps a ``splitQuery`` that is already defined, so this
 * file (loaded before it) defines one that, once the index is loaded, splits
 * each run of Han characters by greedy longest match against the index's own
 * terms (``Search._index.terms`` / ``titleterms``).  Characters that match no
 * term are dropped (single characters are never indexed).  Form numbers such
 * as F-04-01 are kept whole so the object search finds the form.
 */
"use strict";

var splitQuery = (query) => {
  // Form and checklist numbers (F-04-01, CL-04-01) stay whole: they name objects in the index.
  const numbers = query.match(/\b[A-Za-z]{1,3}-\d{1,3}(?:-\d{1,3})+\b/g) || [];
  const rest = query.replace(/\b[A-Za-z]{1,3}-\d{1,3}(?:-\d{1,3})+\b/g, " ");
  const tokens = [
    ...numbers,
    ...rest.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu).filter((term) => term),
  ];
  const index = typeof Search !== "undefined" && Search._index ? Search._index : null;
  if (!index) return tokens;

  const has = (table, word) => !!table && Object.prototype.hasOwnProperty.call(table, word);
  const known = (word) => has(index.terms, word) || has(index.titleterms, word);
  const longest = Math.min(
    12,
    Math.max(1, ...Object.keys(index.terms || {}).map((t) => t.length)),
  );

  const segmentHan = (run) => {
    const words = [];
    let start = 0;
    while (start < run.length) {
      let end = Math.min(run.length, start + longest);
      while (end > start + 1 && !known(run.slice(start, end).toLowerCase())) end -= 1;
      const word = run.slice(start, end);
      if (known(word.toLowerCase())) words.push(word);
      start = end;
    }
    return words;
  };

  const result = [];
  for (const token of tokens) {
    if (!/\p{Script=Han}/u.test(token) || known(token.toLowerCase())) {
      result.push(token);
      continue;
    }
    for (const part of token.match(/\p{Script=Han}+|[^\p{Script=Han}]+/gu) || []) {
      if (/\p{Script=Han}/u.test(part)) result.push(...segmentHan(part));
      else result.push(part);
    }
  }
  return result.length ? result : tokens;
};

/*
 * A result's summary is cut from the page's main text, which opens with the chapter's document
 * line ("本章文档信息：责任岗位 …；下次复核日期 …"): a query found near the top showed that line in
 * every summary instead of the manual's text.  Once searchtools.js has defined ``Search`` (it
 * loads after this file), its ``htmlToText`` gets the page without that line.
 */
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".mk-chapter-info").forEach((line) => line.remove());
    return htmlToText(page.documentElement.outerHTML, anchor);
  };
});

/*
 * Abbreviations (NPS, TLS) are indexed unstemmed: Sphinx's Chinese indexer
 * (SearchChinese.stem) keeps a Latin word of three or more letters whole when
 * stemming would leave fewer than three ("nps" → "np").  The Porter stemmer in
 * language_data.js does not, so a query for NPS looked up "np" and found
 * nothing.  language_data.js is loaded after this file; its Stemmer is wrapped
 * once every script has run, before searchtools.js's own start-up (both wait
 * for DOMContentLoaded, and this listener was registered first).
 */
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Stemmer !== "function") return;
  const Porter = Stemmer;
  Stemmer = function () {
    const porter = new Porter();
    this.stemWord = (word) => {
      const stemmed = porter.stemWord(word);
      return word.length >= 3 && stemmed.length < 3 ? word : stemmed;
    };
  };
});
