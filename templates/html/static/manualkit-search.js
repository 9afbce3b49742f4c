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
 * Results that take the reader to the place and say what it is.
 *
 * - A summary is cut from the page's main text, which opens with the chapter's document line
 *   ("本章文档信息：责任岗位 …"): a query found near the top showed that line in every summary.
 *   The line is left out.
 * - A word found in a page's text linked to the top of a long chapter: the link now goes to the
 *   section holding the first match, and the summary quotes the paragraph, list item or cell
 *   around it from its start (Sphinx cut 120 characters before it: "....1.2 服务目标" for 1.1.2).
 * - A glossary term (an index entry, anchor #term-N) was listed as "8 附则与附件" with the bare
 *   term under it, four times for 投诉: it is now "术语：投诉" with its definition, and a term
 *   that merely contains the query (重大投诉 for 投诉) ranks after the pages that use the word.
 *
 * searchtools.js loads after this file; its ``Search`` and ``Scorer`` are adjusted once every
 * script has run, before its own start-up (both wait for DOMContentLoaded).
 */
const mkBlocks = "p, li, td, th, dd, dt, h1, h2, h3, h4, h5, h6, caption, figcaption";

const mkMainOf = (htmlString) => {
  const page = new DOMParser().parseFromString(htmlString, "text/html");
  page.querySelectorAll(".mk-chapter-info, .headerlink").forEach((node) => node.remove());
  return page;
};

/**
 * The text node under ``root`` that best matches the query: the first holding the whole query,
 * else the first holding every keyword, else the first holding any (keywords in lower case).
 */
const mkFirstMatch = (root, keywords, query) => {
  const nodes = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    if (!node.parentElement.closest("h1")) nodes.push(node); // the page's title says nothing of where
  const tests = [
    (text) => query && text.includes(query),
    (text) => keywords.every((word) => text.includes(word)),
    (text) => keywords.some((word) => word && text.includes(word)),
  ];
  for (const test of tests) {
    const found = nodes.find((node) => test(node.nodeValue.toLowerCase()));
    if (found) return found;
  }
  return null;
};

const mkSummary = (text) => {
  const summary = document.createElement("p");
  summary.classList.add("context");
  const clean = text.replace(/\s+/g, " ").trim();
  summary.textContent = clean.length > 240 ? clean.slice(0, 240) + "……" : clean;
  return summary;
};

/** The page's query as the results were searched for (the search page is reloaded per query). */
const mkQuery = () => (new URLSearchParams(window.location.search).get("q") || "").trim().toLowerCase();
/** Score of a glossary term that only contains the query: below a page that uses the word. */
const MK_PARTIAL_TERM_SCORE = 3;
/**
 * Added to a result whose title holds the whole query.  A query is looked up by the words of the
 * index, and a character that is none (函 of 反馈函) is left out: 反馈函 found every page using
 * 反馈, the form F-04-02 投诉处理结果反馈函 sixth.  What is named after the query comes first.
 */
const MK_WHOLE_QUERY_BONUS = 10;

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || typeof Search.makeSearchSummary !== "function") return;
  const query = mkQuery();
  const original = Search.makeSearchSummary;
  Search.makeSearchSummary = (htmlText, keywords, anchor) => {
    const page = mkMainOf(htmlText);
    const main = page.querySelector('[role="main"]');
    const target = anchor ? page.getElementById(anchor.slice(1)) : null;
    if (target && target.tagName === "DT" && anchor.startsWith("#term-")) {
      const definition = target.nextElementSibling;
      if (definition && definition.tagName === "DD")
        return mkSummary(`${target.textContent.trim()}：${definition.textContent}`);
    }
    const words = [...keywords].map((word) => word.toLowerCase());
    const found = main ? mkFirstMatch(target || main, words, query) : null;
    const block = found ? found.parentElement.closest(mkBlocks) : null;
    if (!block) return original(page.documentElement.outerHTML, keywords, anchor);
    // Under a heading, the heading and the text that follows it; in a table, the whole row.
    const next = /^H[2-6]$/.test(block.tagName) ? block.nextElementSibling : null;
    const row = block.closest("td, th") ? block.closest("tr") : null;
    const text = row
      ? [...row.cells].map((cell) => cell.textContent.trim()).join("｜")
      : block.textContent + (next ? " " + next.textContent : "");
    const summary = mkSummary(text);
    const section = anchor ? null : found.parentElement.closest("section[id]");
    if (section) {
      // The item's link is made before its summary is fetched: point it at the section.
      queueMicrotask(() => {
        const link = summary.parentElement && summary.parentElement.querySelector("a");
        const href = link ? link.getAttribute("href") : null;
        if (href && !href.includes("#")) link.setAttribute("href", `${href}#${section.id}`);
      });
    }
    return summary;
  };

  if (typeof Scorer === "undefined") return;
  const escape = (text) =>
    text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  let terms = null; // "docname#id" → glossary term
  const termAt = (docName, anchor) => {
    if (terms === null) {
      terms = new Map();
      const index = Search._index || {};
      for (const [entry, places] of Object.entries(index.indexentries || {}))
        for (const [file, id] of places) terms.set(`${index.docnames[file]}#${id}`, entry);
    }
    return terms.get(`${docName}${anchor}`);
  };
  const textOf = (html) => new DOMParser().parseFromString(html, "text/html").body.textContent || "";
  const score = Scorer.score;
  Scorer.score = (item) => {
    const [docName, , anchor, descr, value, , kind] = item;
    let result = score ? score(item) : value;
    if (kind === "object" && descr) {
      // searchtools.js adds a description as " (表单，在 8 附则与附件)" in Latin brackets, and no
      // summary: the kind goes into the title in Chinese brackets, and the form or checklist is
      // quoted under it like any other result.
      item[1] = `${item[1]}（${descr}）`;
      item[3] = "";
    }
    let partialTerm = false;
    if (kind === "index" && anchor.startsWith("#term-")) {
      const term = termAt(docName, anchor);
      if (term) {
        item[1] = `术语：${escape(term)}`;
        partialTerm = Boolean(query) && term.toLowerCase() !== query;
      }
    }
    if (query.length > 1 && textOf(item[1]).toLowerCase().includes(query)) result += MK_WHOLE_QUERY_BONUS;
    return partialTerm ? Math.min(result, MK_PARTIAL_TERM_SCORE) : result;
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
